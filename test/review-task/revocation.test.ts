import type { ApplicationFailure } from '@temporalio/client';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createScimConnector } from '../../activities/connectors/scim.js';
import { createWebhookConnector } from '../../activities/connectors/webhook.js';
import {
  approveRevocationUpdate,
  denyRevocationUpdate,
  getRevocationQuery,
  getTaskQuery,
  markProvisionedUpdate,
  removeUpdate,
  retryRevocationUpdate,
} from '../../workflows/messages.js';
import { pino } from 'pino';
import type { AppDeps } from '../../web/deps.js';
import { deleteTask } from '../../runtime/task-client.js';
import { readRevocationAttempt } from '../../web/tasks/task-access.js';
import type { RevocationPolicy } from '../../workflows/policy.js';
import { taskSearchAttributeKeys } from '../../workflows/search-attributes.js';
import type { ReviewTaskInput } from '../../workflows/task-state.js';
import { useFakeScim } from '../support/fake-scim.js';
import { connectorFor, useFakeWebhook } from '../support/fake-webhook.js';
import {
  outboxMessages,
  publishPolicy,
  seedOrganisation,
  step,
  taskInput,
  type Organisation,
} from '../support/fixtures.js';
import { recordHistory } from '../support/histories.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const webhook = useFakeWebhook();
const scim = useFakeScim();
const { db, temporal, start, until } = useReviewHarness({
  connectors: () => [
    connectorFor(webhook),
    createWebhookConnector({
      name: 'outside',
      url: webhook.url,
      secret: webhook.secret,
      allowlist: ['scim.example.com'],
    }),
    createScimConnector({
      name: 'scim',
      baseUrl: scim.baseUrl,
      token: scim.token,
      allowlist: ['127.0.0.1'],
    }),
  ],
});

async function removedTask(
  org: Organisation,
  revocation: RevocationPolicy,
  overrides: Partial<ReviewTaskInput> = {},
) {
  const policy = await publishPolicy(db.orm, { steps: [step()], revocation });
  const handle = await start(taskInput(org, policy, overrides));
  await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
  await handle.executeUpdate(removeUpdate, {
    args: [{ actorId: org.ids.manager, comment: 'not needed' }],
  });
  const state = await until(handle, (s) => s.revocation !== undefined, 'the revocation to start');
  return { handle, revocation: temporal.client.workflow.getHandle(state.revocation!.workflowId) };
}

async function terminate(...identityIds: number[]) {
  await db.orm.em
    .fork()
    .getConnection()
    .execute(`update identity set employment_status = 'terminated' where id in (?)`, [identityIds]);
}

/** Waits until the removal has failed and waits for a retry or a manual confirmation. */
function failedRemoval(handle: WorkflowHandle, status = 'failed') {
  return until(
    handle,
    (s) => s.revocation?.status === status && (s.revocation.waitingFor?.length ?? 0) > 0,
    `the removal to stop at ${status}`,
  );
}

/** Returns a rejected update's failure as "<type>: <message>". */
async function rejection(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure | undefined;
  return `${cause?.type}: ${cause?.message}`;
}

/** Returns a task's revoke calls from `connector_call`, in attempt order. */
function revokeCalls(taskId: string) {
  return db.orm.em
    .fork()
    .getConnection()
    .execute<{ attempt: number; outcome: string; detail: string | null }[]>(
      `select attempt, outcome, detail from connector_call
        where task_id = ? and call = 'revoke' order by attempt`,
      [taskId],
    );
}

/** Waits until visibility lists the removal under `status`, as a Temporal UI query would. */
function listedRemovals(workflowId: string, status: string) {
  const query = `WorkflowType = 'revocationWorkflow' AND WorkflowId = '${workflowId}' AND RecertStatus = '${status}'`;
  return eventually(
    async () => {
      const ids: string[] = [];
      for await (const execution of temporal.client.workflow.list({ query })) {
        ids.push(execution.workflowId);
      }
      return ids;
    },
    (ids) => ids.length > 0,
    { what: `visibility to list the removal as ${status}` },
  );
}

async function outboxSubjects(recipientId: number) {
  const rows = await outboxMessages(db.orm, recipientId);
  return rows.map((r) => r.subject);
}

describe('revocation', () => {
  it('waits for approval, then revokes through the connector', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, revocation } = await removedTask(org, {
      mode: 'approval',
      approverEmails: [org.emails.approver],
      then: { mode: 'automatic', connector: 'hook' },
    });
    await eventually(
      () => revocation.query(getRevocationQuery),
      (s) => s.status === 'pending_approval',
      { what: 'pending approval' },
    );
    await eventually(
      () => outboxSubjects(org.ids.approver),
      (s) => s.some((x) => x.startsWith('Approve removal')),
      { what: 'the approval request' },
    );

    const refused = await revocation
      .executeUpdate(approveRevocationUpdate, { args: [{ actorId: org.ids.manager }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(webhook.applied).not.toContain(`revoke:${handle.workflowId}`);

    await revocation.executeUpdate(approveRevocationUpdate, {
      args: [{ actorId: org.ids.approver, comment: 'agreed' }],
    });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    expect(webhook.applied.filter((k) => k === `revoke:${handle.workflowId}`)).toHaveLength(1);
    const state = await handle.query(getTaskQuery);
    expect(
      state.log.filter((e) => e.type === 'revocation_updated').map((e) => e.data?.status),
    ).toEqual(['pending_approval', 'provisioning', 'revoked']);
    await recordHistory(handle, 'remove-with-approval');
    await recordHistory(revocation, 'remove-with-approval-revocation');
  });

  it('reminds approvers until they decide', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, revocation } = await removedTask(org, {
      mode: 'approval',
      approverEmails: [org.emails.approver],
      then: { mode: 'automatic', connector: 'hook' },
      remindEvery: '1s',
    });
    const reminders = async () =>
      (await outboxMessages(db.orm, org.ids.approver)).filter((m) =>
        m.subject.startsWith('Reminder: 1 removal waiting for you'),
      );
    const sent = await eventually(reminders, (rows) => rows.length >= 2, {
      what: 'two reminder windows',
    });
    expect(sent[0]!.body).toContain('approve or deny the removal');
    expect(sent[0]!.body).toContain(`/tasks/${encodeURIComponent(handle.workflowId)}`);

    await revocation.executeUpdate(approveRevocationUpdate, {
      args: [{ actorId: org.ids.approver, comment: 'agreed' }],
    });
    expect((await handle.result()).revocation?.status).toBe('revoked');
    const log = (await revocation.query(getRevocationQuery)).log.map((e) => e.event);
    expect(log.filter((event) => event === 'reminded').length).toBeGreaterThanOrEqual(2);
    expect(log.slice(log.indexOf('approve'))).not.toContain('reminded');

    // The task's own log, kept in PostgreSQL, records each reminder and whom it went to.
    const reminded = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ data: { to: number[] } }[]>(
        `select data from task_event where task_id = ? and type = 'revocation_reminded' order by seq`,
        [handle.workflowId],
      );
    expect(reminded.length).toBeGreaterThanOrEqual(2);
    expect(reminded.map((row) => row.data.to)).toContainEqual([org.ids.approver]);
    await recordHistory(handle, 'removal-reminded');
    await recordHistory(revocation, 'removal-reminded-revocation');
  });

  it('stops a waiting removal when its task is deleted', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, revocation } = await removedTask(org, {
      mode: 'approval',
      approverEmails: [org.emails.approver],
      then: { mode: 'manual' },
    });
    // The task records the removal before it starts the child, so wait for the child itself.
    await eventually(
      () => revocation.query(getRevocationQuery),
      (state) => state.status === 'pending_approval',
      { what: 'the revocation child to wait for approval' },
    );
    const connection = db.orm.em.fork().getConnection();
    await eventually(
      () =>
        connection.execute<{ revocation_status: string }[]>(
          'select revocation_status from review_task where id = ?',
          [handle.workflowId],
        ),
      (rows) => rows[0]?.revocation_status === 'pending_approval',
      { what: 'the pending approval in the projection' },
    );
    await deleteTask(temporal.client, db.orm, handle.workflowId, {
      actor: { label: 'cli:test' },
      reason: 'imported twice',
      namespace: 'default',
    });
    expect((await revocation.describe()).status.name).toBe('TERMINATED');
    const [deleted] = await connection.execute<{ data: Record<string, unknown> }[]>(
      `select data from task_event where task_id = ? and type = 'deleted'`,
      [handle.workflowId],
    );
    expect(deleted?.data).toMatchObject({ removalStopped: 'pending_approval' });
  });

  it('keeps the access when the removal is denied', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, revocation } = await removedTask(org, {
      mode: 'approval',
      approverEmails: [org.emails.approver],
      then: { mode: 'automatic', connector: 'hook' },
    });
    await eventually(
      () => revocation.query(getRevocationQuery),
      (s) => s.status === 'pending_approval',
      { what: 'pending approval' },
    );
    const unexplained = await revocation
      .executeUpdate(denyRevocationUpdate, { args: [{ actorId: org.ids.approver, comment: ' ' }] })
      .then(
        () => 'accepted',
        (error: unknown) => String((error as { cause?: Error }).cause?.message ?? error),
      );
    expect(unexplained).toContain('Give a reason for denying the removal');
    await revocation.executeUpdate(denyRevocationUpdate, {
      args: [{ actorId: org.ids.approver, comment: 'still needed for on-call' }],
    });
    expect((await handle.result()).revocation?.status).toBe('denied');
    expect(webhook.applied).not.toContain(`revoke:${handle.workflowId}`);
  });

  it('asks the application owner to remove by hand', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, revocation } = await removedTask(org, { mode: 'manual' });
    await eventually(
      () => revocation.query(getRevocationQuery),
      (s) => s.status === 'awaiting_manual',
      { what: 'manual provisioning' },
    );
    await eventually(
      () => outboxSubjects(org.ids.appOwner),
      (s) => s.some((x) => x.startsWith('Remove access by hand')),
      { what: 'the owner notice' },
    );
    const refused = await revocation
      .executeUpdate(markProvisionedUpdate, { args: [{ actorId: org.ids.manager }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    await revocation.executeUpdate(markProvisionedUpdate, {
      args: [{ actorId: org.ids.appOwner, comment: 'removed in console' }],
    });
    expect((await handle.result()).revocation?.status).toBe('revoked');
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute('select revocation_status from review_task where id = ?', [handle.workflowId]);
    expect(rows).toEqual([{ revocation_status: 'revoked' }]);
  });

  it('asks the campaign owner without application owners', async () => {
    const org = await seedOrganisation(db.orm);
    await terminate(org.ids.appOwner);
    const { handle, revocation } = await removedTask(org, { mode: 'manual' });
    const waiting = await eventually(
      () => revocation.query(getRevocationQuery),
      (s) => s.status === 'awaiting_manual',
      { what: 'manual provisioning' },
    );
    expect(waiting.provisionerIds).toEqual([org.ids.campaignAdmin]);
    const [notice] = await eventually(
      () => outboxMessages(db.orm, org.ids.campaignAdmin),
      (rows) => rows.some((row) => row.subject.startsWith('Remove access by hand')),
      { what: 'the campaign owner notice' },
    );
    expect(notice!.body).toContain('no active owner');
    expect(notice!.body.split(org.subject.applicationName)).toHaveLength(2);

    const rejection = await revocation
      .executeUpdate(markProvisionedUpdate, { args: [{ actorId: org.ids.appOwner }] })
      .catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(WorkflowUpdateFailedError);
    await revocation.executeUpdate(markProvisionedUpdate, {
      args: [{ actorId: org.ids.campaignAdmin, comment: 'removed in console' }],
    });
    expect((await handle.result()).revocation?.status).toBe('revoked');
    const state = await handle.query(getTaskQuery);
    const handOver = state.log.find(
      (e) => e.type === 'revocation_updated' && e.data?.status === 'awaiting_manual',
    );
    expect(String(handOver?.data?.detail)).toContain('campaign owner removes the access');
  });

  it('takes a manual confirmation after failing', async () => {
    const org = await seedOrganisation(db.orm);
    await terminate(org.ids.appOwner, org.ids.campaignAdmin);
    const { handle, revocation } = await removedTask(org, { mode: 'manual' });
    const failed = await failedRemoval(handle);
    expect(failed.revocation?.detail).toContain(
      'Neither the application nor the campaign has an active owner',
    );
    expect(failed.revocation?.waitingFor?.sort()).toEqual(
      [org.ids.campaignAdmin, org.ids.superAdmin].sort(),
    );
    expect(
      await rejection(
        revocation.executeUpdate(markProvisionedUpdate, {
          args: [{ actorId: org.ids.superAdmin }],
        }),
      ),
    ).toContain('InvalidActionInput: Say how the access was removed');
    expect(
      await rejection(
        revocation.executeUpdate(markProvisionedUpdate, {
          args: [{ actorId: org.ids.manager, comment: 'done' }],
        }),
      ),
    ).toContain('ActionRejected: Only the campaign owner or a super admin of this task');

    await revocation.executeUpdate(markProvisionedUpdate, {
      args: [{ actorId: org.ids.superAdmin, comment: 'Deleted the account in the admin console.' }],
    });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    const confirmed = (await handle.query(getTaskQuery)).log.find(
      (e) => e.type === 'revocation_updated' && e.data?.status === 'revoked',
    );
    expect(confirmed).toMatchObject({
      actorId: org.ids.superAdmin,
      comment: 'Deleted the account in the admin console.',
    });
  });

  it('revokes once when the connector fails twice then succeeds', async () => {
    const org = await seedOrganisation(db.orm);
    webhook.failNext(2);
    const { handle } = await removedTask(org, { mode: 'automatic', connector: 'hook' });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    const key = `revoke:${handle.workflowId}`;
    expect(webhook.requests.filter((r) => r.key === key)).toHaveLength(3);
    expect(webhook.requests.filter((r) => r.key === key).every((r) => r.signatureValid)).toBe(true);
    expect(webhook.applied.filter((k) => k === key)).toHaveLength(1);
    // Each attempt is kept with its result, so the evidence shows the failures before success.
    const calls = await revokeCalls(handle.workflowId);
    expect(calls.map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'ok'],
    ]);
    expect(calls[0]!.detail).toContain('responded 503');
  });

  it('retries a permanent failure on request', async () => {
    const org = await seedOrganisation(db.orm);
    webhook.failAlways(500);
    const { handle, revocation } = await (async () => {
      try {
        const removed = await removedTask(org, { mode: 'automatic', connector: 'hook' });
        const failed = await failedRemoval(removed.handle);
        expect(failed.revocation?.detail).toContain('could not remove');
        return removed;
      } finally {
        webhook.failAlways(0);
      }
    })();
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute('select status, revocation_status from review_task where id = ?', [
        handle.workflowId,
      ]);
    expect(rows).toEqual([{ status: 'removed', revocation_status: 'failed' }]);
    const calls = await revokeCalls(handle.workflowId);
    // The fixture allows three attempts, so the third is the last.
    expect(calls.map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'exhausted'],
    ]);
    expect(await listedRemovals(revocation.workflowId, 'failed')).toEqual([revocation.workflowId]);
    await eventually(
      () => outboxSubjects(org.ids.campaignAdmin),
      (s) => s.some((x) => x.startsWith('Revocation failed')),
      { what: 'the owner notice' },
    );
    expect(
      await rejection(
        revocation.executeUpdate(retryRevocationUpdate, { args: [{ actorId: org.ids.manager }] }),
      ),
    ).toContain('ActionRejected: Only the campaign owner or a super admin of this task');
    expect(
      await rejection(
        revocation.executeUpdate(retryRevocationUpdate, {
          args: [{ actorId: org.ids.campaignAdmin, comment: '  ' }],
        }),
      ),
    ).toContain('InvalidActionInput: Give a reason for retrying the removal');

    await revocation.executeUpdate(retryRevocationUpdate, {
      args: [{ actorId: org.ids.campaignAdmin, comment: 'The target is back up.' }],
    });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    expect(await listedRemovals(revocation.workflowId, 'revoked')).toEqual([revocation.workflowId]);
    const attributes = (await revocation.describe()).typedSearchAttributes;
    expect(attributes.get(taskSearchAttributeKeys.application)).toBe(org.subject.applicationKey);
    expect(attributes.get(taskSearchAttributeKeys.risk)).toBe(org.subject.riskLevel);
    expect(attributes.get(taskSearchAttributeKeys.campaignId)).toBe('none');
    const retryKey = `revoke:${handle.workflowId}:2`;
    expect(webhook.applied.filter((k) => k === retryKey)).toHaveLength(1);
    expect(webhook.applied.filter((k) => k === `revoke:${handle.workflowId}`)).toHaveLength(0);
    const retried = (await handle.query(getTaskQuery)).log.find(
      (e) => e.type === 'revocation_updated' && e.data?.status === 'provisioning',
    );
    expect(retried).toMatchObject({
      actorId: org.ids.campaignAdmin,
      comment: 'The target is back up.',
    });
    expect(String(retried?.data?.detail)).toContain('attempt 2');
    await recordHistory(handle, 'failed-removal-retried');
    await recordHistory(revocation, 'failed-removal-retried-revocation');
  });

  it('shows a failing connector call while it is retried', async () => {
    const org = await seedOrganisation(db.orm);
    webhook.failAlways(503);
    try {
      const { revocation } = await removedTask(
        org,
        { mode: 'automatic', connector: 'hook' },
        { revocationRetry: { initialIntervalMs: 30_000, maximumAttempts: 2 } },
      );
      const deps = {
        temporal: temporal.client,
        log: pino({ level: 'silent' }),
        taskQueryTimeoutMs: 3_000,
      } as unknown as AppDeps;
      const attempt = await eventually(
        () => readRevocationAttempt(deps, revocation.workflowId),
        (value) => value !== undefined,
        { what: 'the failed first attempt' },
      );
      expect(attempt).toMatchObject({ attempt: 2, maximumAttempts: 2 });
      expect(attempt!.lastFailure).toContain('responded 503');
      expect(Date.parse(attempt!.nextAttemptAt!)).toBeGreaterThan(Date.now());
      await revocation.terminate('test finished');
    } finally {
      webhook.failAlways(0);
    }
  });

  it('takes a manual removal while the connector call is retried', async () => {
    const org = await seedOrganisation(db.orm);
    webhook.failAlways(503);
    try {
      const { handle, revocation } = await removedTask(
        org,
        { mode: 'automatic', connector: 'hook' },
        { revocationRetry: { initialIntervalMs: 30_000, maximumAttempts: 5 } },
      );
      await eventually(
        () =>
          db.orm.em
            .fork()
            .getConnection()
            .execute('select 1 from connector_call where task_id = ?', [handle.workflowId]),
        (rows) => rows.length > 0,
        { what: 'the first failed connector call' },
      );
      expect(
        await rejection(
          revocation.executeUpdate(markProvisionedUpdate, {
            args: [{ actorId: org.ids.campaignAdmin }],
          }),
        ),
      ).toContain('InvalidActionInput: Say how the access was removed');

      await revocation.executeUpdate(markProvisionedUpdate, {
        args: [{ actorId: org.ids.campaignAdmin, comment: 'Disabled the account in the console.' }],
      });
      const outcome = await handle.result();
      expect(outcome.revocation).toMatchObject({
        status: 'revoked',
        detail: 'Removed by hand while the connector call was retried.',
      });
      const confirmed = (await handle.query(getTaskQuery)).log.find(
        (e) => e.type === 'revocation_updated' && e.data?.status === 'revoked',
      );
      expect(confirmed).toMatchObject({
        actorId: org.ids.campaignAdmin,
        comment: 'Disabled the account in the console.',
      });
      // The call was stopped, so its retry never reaches the target.
      expect((await revocation.describe()).raw.pendingActivities ?? []).toHaveLength(0);
    } finally {
      webhook.failAlways(0);
    }
  });

  it('fails at once when the target rejects the request', async () => {
    const org = await seedOrganisation(db.orm);
    webhook.failAlways(400);
    try {
      const { handle } = await removedTask(org, { mode: 'automatic', connector: 'hook' });
      const failed = await failedRemoval(handle);
      expect(failed.revocation?.detail).toContain('responded 400');
      expect(failed.revocation?.detail).toContain(
        'Sending the same request again cannot succeed: fix the cause, then retry the removal.',
      );
      const key = `revoke:${handle.workflowId}`;
      expect(webhook.requests.filter((r) => r.key === key)).toHaveLength(1);
    } finally {
      webhook.failAlways(0);
    }
  });

  it('refuses a connector target outside the allowlist without retrying', async () => {
    const org = await seedOrganisation(db.orm);
    const before = webhook.requests.length;
    const { handle } = await removedTask(org, { mode: 'automatic', connector: 'outside' });
    const failed = await failedRemoval(handle);
    expect(failed.revocation?.detail).toContain('not on the connector allowlist');
    expect(webhook.requests.length).toBe(before);
  });

  it('removes a SCIM group member and verifies it', async () => {
    const org = await seedOrganisation(db.orm);
    scim.groups.set(org.subject.resourceExternalId, {
      id: org.subject.resourceExternalId,
      displayName: 'Admins',
      members: [{ value: org.subject.accountExternalId }, { value: 'someone-else' }],
    });
    const { handle } = await removedTask(org, { mode: 'automatic', connector: 'scim' });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('verified');
    expect(scim.groups.get(org.subject.resourceExternalId)?.members).toEqual([
      { value: 'someone-else' },
    ]);
    const patch = scim.patches.find((p) => p.groupId === org.subject.resourceExternalId);
    expect(patch?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${org.subject.accountExternalId}"]` }],
    });
    expect(patch?.idempotencyKey).toBe(`revoke:${handle.workflowId}`);
  });

  it('retries a failed verification', async () => {
    const org = await seedOrganisation(db.orm);
    scim.groups.set(org.subject.resourceExternalId, {
      id: org.subject.resourceExternalId,
      displayName: 'Admins',
      members: [{ value: org.subject.accountExternalId }],
    });
    scim.ignorePatches = true;
    const { handle, revocation } = await (async () => {
      try {
        const removed = await removedTask(org, { mode: 'automatic', connector: 'scim' });
        await failedRemoval(removed.handle, 'verification_failed');
        return removed;
      } finally {
        scim.ignorePatches = false;
      }
    })();
    await eventually(
      () => outboxSubjects(org.ids.campaignAdmin),
      (s) => s.some((x) => x.startsWith('Revocation failed')),
      { what: 'the owner notice' },
    );
    await revocation.executeUpdate(retryRevocationUpdate, {
      args: [{ actorId: org.ids.superAdmin, comment: 'The SCIM server applies patches again.' }],
    });
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('verified');
    expect(scim.groups.get(org.subject.resourceExternalId)?.members).toEqual([]);
  });

  it('does not follow a redirect from a connector target', async () => {
    const org = await seedOrganisation(db.orm);
    scim.redirectTo = 'http://127.0.0.2:9/elsewhere';
    try {
      const { handle } = await removedTask(org, { mode: 'automatic', connector: 'scim' });
      const failed = await failedRemoval(handle);
      expect(failed.revocation?.detail).toContain('redirects are not followed');
    } finally {
      scim.redirectTo = '';
    }
  });
});
