import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId, createCampaign } from '../../db/campaigns/campaign-repository.js';
import {
  CampaignDefinitionError,
  parseCampaignDefinition,
} from '../../db/campaigns/campaign-schema.js';
import { planClose } from '../../db/campaigns/close-plan.js';
import { campaignCounts, campaignProgress } from '../../db/campaigns/progress.js';
import type { EvidenceManifest } from '../../db/campaigns/evidence.js';
import {
  CampaignRequestError,
  closeCampaign,
  exportEvidence,
  remindReviewers,
} from '../../runtime/campaign-client.js';
import { deleteTask, sendTaskAction } from '../../runtime/task-client.js';
import {
  approveRevocationUpdate,
  denyRevocationUpdate,
  getRevocationQuery,
  getTaskQuery,
  markProvisionedUpdate,
} from '../../workflows/messages.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { recordHistory } from '../support/histories.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';
import {
  campaignStatus,
  campaignTaskIds,
  launchSmall,
  previewedCampaign,
  seedCampaignOrg,
  spreadCampaignIds,
  taskCount,
  waitUntilLaunched,
  type CampaignOrg,
} from './support.js';

const { db, temporal } = useReviewHarness();
const actor = { label: 'test' };

beforeAll(async () => {
  await spreadCampaignIds(db.orm);
});

function launch(campaignId: number) {
  return launchSmall(temporal.client, db.orm, campaignId, temporal.taskQueue);
}

function taskIds(campaignId: number): Promise<string[]> {
  return campaignTaskIds(db.orm, campaignId);
}

async function statuses(campaignId: number): Promise<Record<string, number>> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ status: string; n: string }[]>(
      'select status, count(*) as n from review_task where campaign_id = ? group by status',
      [campaignId],
    );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

async function outboxKeys(prefix: string): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ idempotency_key: string }[]>(
      'select idempotency_key from outbox_message where idempotency_key like ? order by id',
      [`${prefix}%`],
    );
  return rows.map((row) => row.idempotency_key);
}

async function decide(
  taskId: string,
  org: CampaignOrg,
  type: 'certify' | 'remove',
  comment?: string,
) {
  const outcome = await sendTaskAction(
    temporal.client,
    db.orm,
    taskId,
    { type, actorId: org.reviewer, ...(comment ? { comment } : {}) },
    { requestId: `${type}-${taskId}`, actor },
  );
  expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
}

/** Reads a task's projected revocation status. */
async function revocationStatus(taskId: string): Promise<string | null | undefined> {
  const [row] = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ revocation_status: string | null }[]>(
      'select revocation_status from review_task where id = ?',
      [taskId],
    );
  return row?.revocation_status;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('campaign lifecycle', () => {
  it('rejects a definition naming unknown people, policies and applications', async () => {
    const error = await createCampaign(
      db.orm.em.fork(),
      parseCampaignDefinition({
        name: 'Broken',
        policy: 'no-such-policy',
        owner: 'nobody@example.test',
        admins: ['ghost@example.test'],
        dueAt: '2020-01-01',
        scope: { applications: ['no-such-app'] },
      }),
      'test',
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CampaignDefinitionError);
    const problems = (error as CampaignDefinitionError).problems.join('\n');
    expect(problems).toContain('policy: no policy named "no-such-policy"');
    expect(problems).toContain('owner: no active identity has the email nobody@example.test');
    expect(problems).toContain('admins.0: no active identity');
    expect(problems).toContain('scope.applications.0: no application has the key "no-such-app"');
    expect(problems).toContain('dueAt: 2020-01-01T00:00:00.000Z is in the past');
  });

  it('refuses to launch before the preview', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 1, resources: 1 });
    const campaignId = await previewedCampaign(db.orm, org);
    await db.orm.em
      .fork()
      .getConnection()
      .execute('update campaign set snapshot_at = null where id = ?', [campaignId]);
    await expect(launch(campaignId)).rejects.toThrow(/preview it first/);
  });

  it('refuses to launch a campaign without grants', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 1, resources: 1 });
    const campaignId = await previewedCampaign(db.orm, org, {
      scope: { applications: [org.applicationKey], principalType: 'group' },
    });
    await expect(launch(campaignId)).rejects.toThrow(/no grants in scope/);
  });

  it('launches, digests once per reviewer, closes by rule and then rejects decisions', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 3, resources: 2 });
    const campaignId = await previewedCampaign(db.orm, org, { noResponseRule: 'certify' });
    const first = await launch(campaignId);
    expect(first.started).toBe(true);
    await waitUntilLaunched(db.orm, campaignId, 6);
    const again = await launch(campaignId);
    expect(again.started).toBe(false);
    expect(await taskCount(db.orm, campaignId)).toBe(6);
    expect(await outboxKeys(`campaign:${campaignId}:launch-digest:`)).toEqual([
      `campaign:${campaignId}:launch-digest:${org.reviewer}:email`,
    ]);
    // The campaign's digest replaces the per-task "assigned" notices.
    expect(await outboxKeys(`task:review-c${campaignId}-`)).toEqual([]);

    const ids = await taskIds(campaignId);
    const state = await temporal.client.workflow.getHandle(ids[0]!).query(getTaskQuery);
    expect(state.assigneeIds).toEqual([org.reviewer]);
    expect(state.campaignAdminIds).toContain(org.admin);
    expect(state.log.map((entry) => entry.type)).toEqual(['started', 'assigned']);
    await decide(ids[0]!, org, 'remove');
    await decide(ids[1]!, org, 'certify');
    await eventually(
      () => statuses(campaignId),
      (counts) => counts.certified === 1 && counts.removed === 1,
      { what: 'both decisions projected' },
    );

    const certifyPlan = await planClose(db.orm.em.fork(), campaignId);
    expect(certifyPlan).toMatchObject({ rule: 'certify', open: 4, certify: 4, remove: 0 });
    expect(certifyPlan.warnings).toEqual([]);
    const removePlan = await planClose(db.orm.em.fork(), campaignId, 'remove');
    expect(removePlan).toMatchObject({ open: 4, remove: 4, certify: 0, leaveOpen: 0 });
    expect(removePlan.byApplication).toEqual([
      expect.objectContaining({ applicationId: org.applicationId, remove: 4 }),
    ]);
    // A reviewer removed one grant of the first resource, and the rule would remove the other
    // two. The second resource keeps the grant a reviewer certified.
    expect(removePlan.warnings.map((warning) => warning.resourceId)).toEqual([
      org.resources[0]!.id,
    ]);
    expect(removePlan.warnings[0]).toMatchObject({
      plannedRemovals: 2,
      removedInCampaign: 1,
      currentGrants: 3,
    });

    await remindReviewers(temporal.client, db.orm, campaignId, {
      actorId: org.admin,
      actor: `identity:${org.admin}`,
      requestId: 'remind-1',
    });
    await eventually(
      () => outboxKeys(`campaign:${campaignId}:reminder:`),
      (keys) => keys.length === 1,
      { what: 'one reminder digest' },
    );

    await closeCampaign(temporal.client, db.orm, campaignId, {
      actorId: org.admin,
      actor: `identity:${org.admin}`,
      reason: 'quarter ended',
    });
    await eventually(
      () => campaignStatus(db.orm, campaignId),
      (status) => status === 'closed',
      { what: 'the campaign to close' },
    );
    await eventually(
      () => statuses(campaignId),
      (counts) => counts.certified === 5 && counts.removed === 1,
      { what: 'every task closed' },
    );
    const campaignRun = temporal.client.workflow.getHandle(campaignWorkflowId(campaignId));
    expect((await campaignRun.result()).closed).toMatchObject({ rule: 'certify', certify: 4 });
    await recordHistory(campaignRun, 'campaign-launch-remind-close');
    const closedState = await temporal.client.workflow.getHandle(ids[2]!).query(getTaskQuery);
    const closing = closedState.log.at(-1)!;
    expect(closing.type).toBe('closed_by_campaign');
    expect(closing.actorId).toBe(org.admin);
    expect(closing.comment).toContain('quarter ended');

    const late = await sendTaskAction(
      temporal.client,
      db.orm,
      ids[3]!,
      { type: 'remove', actorId: org.reviewer },
      { requestId: `late-${ids[3]}`, actor },
    );
    expect(late.ok).toBe(false);
    await expect(
      closeCampaign(temporal.client, db.orm, campaignId, { actorId: null, actor: 'cli:test' }),
    ).rejects.toBeInstanceOf(CampaignRequestError);

    const audit = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ action: string }[]>(
        `select action from audit_event where target_type = 'campaign' and target_id = ? order by id`,
        [String(campaignId)],
      );
    expect(audit.map((row) => row.action)).toEqual([
      'campaign.launch',
      'campaign.launch',
      'campaign.remind',
      'campaign.close',
    ]);
  });

  it('closes at the due date with the no-response rule', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    const campaignId = await previewedCampaign(db.orm, org, {
      noResponseRule: 'leave_open',
      dueAt: new Date(Date.now() + 15_000),
    });
    await launch(campaignId);
    await waitUntilLaunched(db.orm, campaignId, 2);
    await eventually(
      () => statuses(campaignId),
      (counts) => counts.expired === 2,
      { what: 'both tasks expired at the due date', timeoutMs: 60_000 },
    );
    await eventually(
      () => campaignStatus(db.orm, campaignId),
      (status) => status === 'closed',
      { what: 'the campaign to close' },
    );
    const [task] = await taskIds(campaignId);
    const state = await temporal.client.workflow.getHandle(task!).query(getTaskQuery);
    expect(state.log.at(-1)?.comment).toContain('reached its due date');
    expect(state.log.at(-1)?.actorId).toBe(org.owner);
    // Closing clears the assignees, but the progress still lists the reviewer without a decision.
    const progress = await campaignProgress(db.orm.em.fork(), campaignId);
    expect(progress.byReviewer).toEqual([
      expect.objectContaining({ identityId: org.reviewer, open: 0, decided: 0, unanswered: 2 }),
    ]);
  });

  it('reports deleted and skipped tasks as closed by a super admin', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    await db.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into role_assignment (identity_id, role, granted_by) values (?, 'super_admin', 'test')`,
        [org.admin],
      );
    const campaignId = await previewedCampaign(db.orm, org);
    await launch(campaignId);
    await waitUntilLaunched(db.orm, campaignId, 2);
    const [deleted, kept] = await taskIds(campaignId);
    // The task to delete first moves to another policy, which the evidence must name.
    const other = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const moved = await sendTaskAction(
      temporal.client,
      db.orm,
      deleted!,
      { type: 'changePolicy', actorId: org.admin, policyName: other.name, reason: 'stricter' },
      { requestId: `move-${deleted}`, actor },
    );
    expect(moved.ok, JSON.stringify(moved)).toBe(true);
    await eventually(
      () => temporal.client.workflow.getHandle(deleted!).query(getTaskQuery),
      (state) => state.policy.name === other.name,
      { what: 'the task on the other policy' },
    );
    await eventually(
      async () =>
        (
          await db.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>(
              `select count(*) as n from task_event where task_id = ? and policy_name = ?`,
              [deleted, other.name],
            )
        )[0]!.n,
      (n) => Number(n) > 0,
      { what: 'log entries under the other policy' },
    );
    await deleteTask(temporal.client, db.orm, deleted!, {
      actor: { label: `identity:${org.admin}` },
      reason: 'duplicate grant',
      namespace: 'default',
    });

    const plan = await planClose(db.orm.em.fork(), campaignId);
    expect(plan.open).toBe(1);
    const progress = await campaignProgress(db.orm.em.fork(), campaignId);
    expect(progress.byApplication).toEqual([expect.objectContaining({ open: 1 })]);
    expect(progress).toMatchObject({ total: 2, opened: 2, deleted: 1 });
    expect(progress.byStatus.open).toBe(1);
    expect(progress.burndown.at(-1)?.remaining).toBe(1);
    const times = progress.burndown.map((point) => Date.parse(point.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Points stand at their bucket's last closing, so none shares the launch's time.
    expect(new Set(times).size).toBe(times.length);
    expect(await campaignCounts(db.orm.em.fork(), campaignId)).toMatchObject({
      opened: 2,
      deleted: 1,
    });
    const skipped = await sendTaskAction(
      temporal.client,
      db.orm,
      kept!,
      { type: 'skipStep', actorId: org.admin, reason: 'reviewer on leave' },
      { requestId: `skip-${kept}`, actor },
    );
    expect(skipped.ok, JSON.stringify(skipped)).toBe(true);
    await eventually(
      () => statuses(campaignId),
      (counts) => counts.certified === 1,
      { what: 'the skipped task to close' },
    );

    const folder = await mkdtemp(join(tmpdir(), 'recert-evidence-test-'));
    await exportEvidence(db.orm, campaignId, folder, 'cli:test');
    const manifest = JSON.parse(
      await readFile(join(folder, `campaign-${campaignId}-manifest.json`), 'utf8'),
    ) as EvidenceManifest;
    expect(manifest.counts.byFinalOutcome).toEqual({ deleted: 1, certified: 1 });
    const tasks = parse(await readFile(join(folder, manifest.files[0]!.name)), {
      columns: true,
    }) as Record<string, string>[];
    expect(tasks.find((row) => row.task_id === deleted)).toMatchObject({
      final_outcome: 'deleted',
      closed_by: 'super_admin',
      policy_name: other.name,
      policy_version: '1',
    });
    expect(tasks.find((row) => row.task_id === kept)).toMatchObject({
      final_outcome: 'certified',
      closed_by: 'super_admin',
      step_1_decision: 'skipped',
    });
    const log = parse(await readFile(join(folder, manifest.files[1]!.name)), {
      columns: true,
    }) as Record<string, string>[];
    expect(log.filter((row) => row.task_id === deleted).at(-1)).toMatchObject({
      type: 'deleted',
      actor_email: org.emails.admin,
      comment: 'duplicate grant',
    });
  });

  /** Launches a one-task campaign whose policy requires approval, and removes its grant. */
  async function removalWaitingForApproval() {
    const org = await seedCampaignOrg(db.orm, { people: 1, resources: 1 });
    const policy = await publishPolicy(db.orm, {
      steps: [step()],
      revocation: {
        mode: 'approval',
        approverEmails: [org.emails.admin],
        then: { mode: 'manual' },
      },
    });
    const campaignId = await previewedCampaign(db.orm, org, { policy: policy.name });
    await launch(campaignId);
    await waitUntilLaunched(db.orm, campaignId, 1);
    const [taskId] = await taskIds(campaignId);
    await decide(taskId!, org, 'remove', 'not needed');
    const revocation = temporal.client.workflow.getHandle(`${taskId}/revocation`);
    await eventually(
      () => revocation.query(getRevocationQuery),
      (state) => state.status === 'pending_approval',
      { what: 'the removal to wait for approval' },
    );
    return { org, campaignId, taskId: taskId!, revocation };
  }

  it('exports a denied removal as kept access', async () => {
    const { org, campaignId, taskId, revocation } = await removalWaitingForApproval();
    await revocation.executeUpdate(denyRevocationUpdate, {
      args: [{ actorId: org.admin, comment: 'needed for the on-call rota' }],
    });
    await eventually(
      () => revocationStatus(taskId),
      (status) => status === 'denied',
      { what: 'the denial to be projected' },
    );

    const folder = await mkdtemp(join(tmpdir(), 'recert-evidence-test-'));
    await exportEvidence(db.orm, campaignId, folder, 'cli:test');
    const manifest = JSON.parse(
      await readFile(join(folder, `campaign-${campaignId}-manifest.json`), 'utf8'),
    ) as EvidenceManifest;
    expect(manifest.counts.byFinalOutcome).toEqual({ removal_denied: 1 });
    const [row] = parse(await readFile(join(folder, manifest.files[0]!.name)), {
      columns: true,
    }) as Record<string, string>[];
    expect(row).toMatchObject({
      step_1_decision: 'remove',
      final_outcome: 'removal_denied',
      revocation_outcome: 'denied',
      revocation_comment: 'needed for the on-call rota',
      revocation_approval: 'denied',
      revocation_approval_comment: 'needed for the on-call rota',
    });
    expect(row!.revocation_approver_email).toBeTruthy();
  });

  it('exports the approver beside who removed by hand', async () => {
    const { org, campaignId, taskId, revocation } = await removalWaitingForApproval();
    await revocation.executeUpdate(approveRevocationUpdate, {
      args: [{ actorId: org.admin, comment: 'agreed' }],
    });
    await eventually(
      () => revocation.query(getRevocationQuery),
      (state) => state.status === 'awaiting_manual',
      { what: 'the removal to wait for removal by hand' },
    );
    await revocation.executeUpdate(markProvisionedUpdate, {
      args: [{ actorId: org.owner, comment: 'removed, ticket OPS-2' }],
    });
    await eventually(
      () => revocationStatus(taskId),
      (status) => status === 'revoked',
      { what: 'the manual removal to be projected' },
    );

    const folder = await mkdtemp(join(tmpdir(), 'recert-evidence-test-'));
    await exportEvidence(db.orm, campaignId, folder, 'cli:test');
    const [row] = parse(await readFile(join(folder, `campaign-${campaignId}-tasks.csv`)), {
      columns: true,
    }) as Record<string, string>[];
    // The last event is the removal by hand, and the approval keeps columns of its own.
    expect(row).toMatchObject({
      revocation_outcome: 'revoked',
      revocation_comment: 'removed, ticket OPS-2',
      revocation_approval: 'approved',
      revocation_approval_comment: 'agreed',
    });
    expect(row!.revocation_approver_email).not.toBe(row!.revocation_actor_email);
    expect(row!.revocation_approval_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('exports evidence with neutralised cells and matching hashes', async () => {
    const org = await seedCampaignOrg(db.orm, {
      people: 3,
      resources: 1,
      names: ['=HYPERLINK("http://x.test")', '@SUM(A1)', 'Plain Person'],
    });
    const campaignId = await previewedCampaign(db.orm, org);
    await launch(campaignId);
    await waitUntilLaunched(db.orm, campaignId, 3);
    const ids = await taskIds(campaignId);
    await decide(ids[0]!, org, 'certify', '+1 still needed');
    await decide(ids[1]!, org, 'remove', '-left the team');
    await eventually(
      () => statuses(campaignId),
      (counts) => counts.certified === 1 && counts.removed === 1,
      { what: 'two decisions projected' },
    );
    await eventually(
      () => revocationStatus(ids[1]!),
      (status) => status === 'awaiting_manual',
      { what: 'the removal to wait for manual provisioning' },
    );
    // A removal still waiting is counted apart, and the close plan notes that it carries on.
    const em = db.orm.em.fork();
    expect((await campaignProgress(em, campaignId)).removalsInProgress).toBe(1);
    const plan = await planClose(em, campaignId);
    expect(plan.unfinishedRemovals).toMatchObject({ inProgress: 1, failed: 0 });
    expect(plan.unfinishedRemovals?.message).toContain('Closing does not stop them');
    const early = await mkdtemp(join(tmpdir(), 'recert-evidence-test-'));
    await exportEvidence(db.orm, campaignId, early, 'cli:test');
    const waiting = JSON.parse(
      await readFile(join(early, `campaign-${campaignId}-manifest.json`), 'utf8'),
    ) as EvidenceManifest;
    expect(waiting.counts.byRevocationOutcome).toEqual({ awaiting_manual: 1 });
    await temporal.client.workflow
      .getHandle(`${ids[1]}/revocation`)
      .executeUpdate(markProvisionedUpdate, {
        args: [{ actorId: org.owner, comment: 'removed, ticket OPS-1' }],
      });
    await eventually(
      () => revocationStatus(ids[1]!),
      (status) => status === 'revoked',
      { what: 'the manual removal to be projected' },
    );

    const folder = await mkdtemp(join(tmpdir(), 'recert-evidence-test-'));
    const result = await exportEvidence(db.orm, campaignId, folder, 'cli:test');
    const manifest = JSON.parse(
      await readFile(join(folder, `campaign-${campaignId}-manifest.json`), 'utf8'),
    ) as EvidenceManifest;
    expect(sha256(await readFile(join(folder, `campaign-${campaignId}-manifest.json`)))).toBe(
      result.manifestSha256,
    );
    expect(manifest.counts).toMatchObject({
      snapshotGrants: 3,
      tasks: 3,
      byFinalOutcome: { certified: 1, removed: 1, open: 1 },
      byRevocationOutcome: { revoked: 1 },
    });
    for (const file of manifest.files) {
      const bytes = await readFile(join(folder, file.name));
      expect(sha256(bytes), file.name).toBe(file.sha256);
      expect(bytes.length, file.name).toBe(file.bytes);
      const [header, ...records] = parse(bytes) as string[][];
      expect(records.length, file.name).toBe(file.rows);
      expect(header, file.name).toEqual(file.columns);
    }

    const tasks = parse(await readFile(join(folder, manifest.files[0]!.name)), {
      columns: true,
    }) as Record<string, string>[];
    expect(tasks.map((row) => row.task_id)).toEqual(ids);
    expect(tasks[0]!.subject_name).toBe(`'=HYPERLINK("http://x.test")`);
    expect(tasks[1]!.subject_name).toBe(`'@SUM(A1)`);
    expect(tasks[2]!.subject_name).toBe('Plain Person');
    expect(tasks[0]).toMatchObject({
      step_1_decision: 'certify',
      step_1_reviewer_id: String(org.reviewer),
      step_1_comment: `'+1 still needed`,
      final_outcome: 'certified',
      closed_by: 'reviewer',
      grant_source: 'direct',
      policy_version: '1',
    });
    expect(tasks[1]).toMatchObject({
      step_1_decision: 'remove',
      step_1_comment: `'-left the team`,
      final_outcome: 'removed',
      revocation_outcome: 'revoked',
      revocation_actor_email: org.emails.owner,
      revocation_comment: 'removed, ticket OPS-1',
    });
    expect(tasks[2]).toMatchObject({ final_outcome: 'open', step_1_decision: '' });
    expect(tasks.map((row) => row.assignee_emails)).toEqual([
      org.emails.reviewer,
      org.emails.reviewer,
      org.emails.reviewer,
    ]);
    const log = parse(await readFile(join(folder, manifest.files[1]!.name)), {
      columns: true,
    }) as Record<string, string>[];
    const provisioned = log.find(
      (row) =>
        row.task_id === ids[1] &&
        row.type === 'revocation_updated' &&
        row.data?.includes('"revoked"'),
    );
    expect(provisioned?.actor_email).toBe(org.emails.owner);

    const [audit] = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ detail: { manifestSha256: string } }[]>(
        `select detail from audit_event where action = 'campaign.export' and target_id = ?
          order by id desc limit 1`,
        [String(campaignId)],
      );
    expect(audit!.detail.manifestSha256).toBe(result.manifestSha256);

    const progress = await campaignProgress(db.orm.em.fork(), campaignId);
    expect(progress.byStatus).toMatchObject({ open: 1, certified: 1, removed: 1 });
    expect(progress.byReviewer).toEqual([
      expect.objectContaining({ identityId: org.reviewer, open: 1, decided: 2 }),
    ]);
    expect(progress.burndown.at(-1)?.remaining).toBe(1);
    expect(progress.removalsDenied).toBe(0);

    // A removal an approver denied stays a removed decision, and is counted apart as access kept.
    await db.orm.em
      .fork()
      .getConnection()
      .execute(
        `update review_task set revocation_status = 'denied' where campaign_id = ? and status = 'removed'`,
        [campaignId],
      );
    const denied = await campaignProgress(db.orm.em.fork(), campaignId);
    expect(denied.byStatus.removed).toBe(1);
    expect(denied.removalsDenied).toBe(1);
  });
});
