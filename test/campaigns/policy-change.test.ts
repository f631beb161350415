import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { grantRole } from '../../db/role-repository.js';
import { sendTaskAction } from '../../runtime/task-client.js';
import { getTaskQuery } from '../../workflows/messages.js';
import { recert } from '../support/cli.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';
import {
  campaignTaskIds,
  launchSmall,
  previewedCampaign,
  seedCampaignOrg,
  spreadCampaignIds,
  waitUntilLaunched,
} from './support.js';

// A policy update while a campaign runs: operators publish v2, move the open tasks to it with
// the batch hard reset, and check with `recert replay` that the campaign's histories still
// replay. Everything here goes through a real launch, not hand-started tasks.

const { db, temporal } = useReviewHarness();
const incompatible = fileURLToPath(new URL('../replay/incompatible-workflows.ts', import.meta.url));
const actor = { label: 'test' };

beforeAll(async () => {
  await spreadCampaignIds(db.orm);
});

async function campaignPolicy(campaignId: number) {
  const [row] = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ policy_name: string; policy_version: number }[]>(
      'select policy_name, policy_version from campaign where id = ?',
      [campaignId],
    );
  return { name: row!.policy_name, version: row!.policy_version };
}

describe('a policy change during a running campaign', () => {
  it('resets open tasks, then replays', { timeout: 240_000 }, async () => {
    const org = await seedCampaignOrg(db.orm, { people: 4, resources: 1 });
    await grantRole(db.orm.em.fork(), org.admin, 'super_admin', 'test');
    const campaignId = await previewedCampaign(db.orm, org);
    await launchSmall(temporal.client, db.orm, campaignId, temporal.taskQueue);
    await waitUntilLaunched(db.orm, campaignId, org.grants);
    const ids = await campaignTaskIds(db.orm, campaignId);
    const handles = ids.map((id) => temporal.client.workflow.getHandle(id));
    const v1 = await campaignPolicy(campaignId);

    // One task is decided before the change, and another gets a comment that must survive.
    const decided = await sendTaskAction(
      temporal.client,
      db.orm,
      ids[0]!,
      { type: 'certify', actorId: org.reviewer },
      { requestId: `certify-${ids[0]}`, actor },
    );
    expect(decided.ok, JSON.stringify(decided)).toBe(true);
    await handles[0]!.result();
    const commented = await sendTaskAction(
      temporal.client,
      db.orm,
      ids[1]!,
      { type: 'comment', actorId: org.reviewer, text: 'asked the team lead' },
      { requestId: `comment-${ids[1]}`, actor },
    );
    expect(commented.ok, JSON.stringify(commented)).toBe(true);
    // A removal starts a revocation workflow, which replay must find too.
    const removed = await sendTaskAction(
      temporal.client,
      db.orm,
      ids[2]!,
      { type: 'remove', actorId: org.reviewer, comment: 'left the team' },
      { requestId: `remove-${ids[2]}`, actor },
    );
    expect(removed.ok, JSON.stringify(removed)).toBe(true);
    const open = [ids[1]!, ids[3]!];

    const v2 = await publishPolicy(db.orm, {
      name: v1.name,
      steps: [step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    expect(v2.version).toBe(v1.version + 1);

    const env = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      RECERT_DATA_DIR: await mkdtemp(join(tmpdir(), 'recert-campaign-reset-')),
    };
    const reset = ['tasks', 'hard-reset', '--policy', v1.name, '--campaign', String(campaignId)];
    const args = [...reset, '--as', org.emails.admin];
    const dryRun = await eventually(
      async () =>
        JSON.parse((await recert([...args, '--dry-run', '--json'], env)).stdout || '{}') as {
          tasks?: string[];
        },
      (out) => out.tasks?.length === open.length,
      { what: 'the dry run to list the open tasks', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(dryRun.tasks!.sort()).toEqual([...open].sort());
    expect((await handles[1]!.query(getTaskQuery)).policy.version).toBe(v1.version);

    const done = await recert([...args, '--json'], env);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ applied: open.length, rejected: [] });

    for (const handle of [handles[1]!, handles[3]!]) {
      const state = await eventually(
        () => handle.query(getTaskQuery),
        (s) => s.policy.version === v2.version && s.assigneeIds.includes(org.owner),
        { what: `${handle.workflowId} on the v2 step` },
      );
      expect(state.log.filter((e) => e.type === 'hard_reset')).toHaveLength(1);
    }
    const commentedTask = await handles[1]!.query(getTaskQuery);
    expect(commentedTask.log.find((e) => e.type === 'commented')?.comment).toBe(
      'asked the team lead',
    );
    const closed = await handles[0]!.query(getTaskQuery);
    expect(closed.policy.version).toBe(v1.version);
    expect(closed.status).toBe('certified');
    expect(closed.log.some((e) => e.type === 'hard_reset')).toBe(false);
    const removedTask = await handles[2]!.query(getTaskQuery);
    expect(removedTask.status).toBe('removed');
    expect(removedTask.log.some((e) => e.type === 'hard_reset')).toBe(false);

    // The campaign's histories replay on the current code. Against a change made without
    // patched(), replay fails and names the task.
    const replayEnv = { TEMPORAL_ADDRESS: inject('temporalAddress') };
    const replayed = await eventually(
      async () => recert(['replay', '--campaign', String(campaignId), '--json'], replayEnv),
      (result) =>
        result.code === 0 &&
        (JSON.parse(result.stdout) as { replayed: number }).replayed === ids.length + 2,
      {
        what: 'the campaign, its tasks and the revocation to replay',
        timeoutMs: 60_000,
        intervalMs: 1_000,
      },
    );
    expect(JSON.parse(replayed.stdout)).toMatchObject({ failures: [] });
    const broken = await recert(
      ['replay', '--campaign', String(campaignId), '--workflows', incompatible],
      replayEnv,
    );
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/[Nn]ondetermin/);
    expect(broken.stdout).toContain(ids[1]!);
  });
});
