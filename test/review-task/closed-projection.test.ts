import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { certifyUpdate } from '../../workflows/messages.js';
import { projectionRepairId } from '../../workflows/projection-repair.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const { db, temporal, start } = useReviewHarness();

/** Reads the task's projected row, which is undefined before the first write. */
async function projectedRow(taskId: string) {
  const [row] = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ status: string; state_version: number }[]>(
      'select status, state_version from review_task where id = ?',
      [taskId],
    );
  return row;
}

async function loggedTypes(taskId: string): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ type: string }[]>('select type from task_event where task_id = ? order by seq', [
      taskId,
    ]);
  return rows.map((row) => row.type);
}

/** Starts a one-step task and waits for its open row, so only the closing write is left. */
async function openTask() {
  const org = await seedOrganisation(db.orm);
  const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
  const input = taskInput(org, policy, { firstStepAssigneeIds: [org.ids.manager] });
  const handle = await start(input);
  await eventually(
    () => projectedRow(input.taskId),
    (row) => row?.status === 'open',
    { what: `the open row of ${input.taskId}` },
  );
  return { org, handle, taskId: input.taskId };
}

describe('closed task projection', () => {
  it('repairs a rejected closing write', async () => {
    const { org, handle, taskId } = await openTask();
    const sql = db.orm.em.fork().getConnection();
    await sql.execute('alter table task_event rename to task_event_away');
    let result;
    try {
      // The update returns although its row could not be written.
      result = await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
      expect(result.status).toBe('certified');
      expect((await projectedRow(taskId))?.status).toBe('open');
      const repair = temporal.client.workflow.getHandle(projectionRepairId(taskId, result.version));
      await eventually(
        async () => (await repair.describe()).raw.pendingActivities?.[0]?.attempt ?? 0,
        (attempt) => attempt >= 2,
        { what: 'the repair activity to retry' },
      );
    } finally {
      await sql.execute('alter table task_event_away rename to task_event');
    }

    const row = await eventually(
      () => projectedRow(taskId),
      (found) => found?.status === 'certified',
      { timeoutMs: 30_000, what: `the repaired row of ${taskId}` },
    );
    expect(row?.state_version).toBe(result.version);
    expect(await loggedTypes(taskId)).toContain('certified');
    expect((await handle.result()).status).toBe('certified');
  });

  it('bounds the update on a locked row', async () => {
    const { org, handle, taskId } = await openTask();
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    let result;
    try {
      await locker.query('begin');
      await locker.query('select 1 from review_task where id = $1 for update', [taskId]);
      const began = Date.now();
      result = await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
      // The worker waits 5 s for the write, then hands it to the repair workflow.
      expect(Date.now() - began).toBeLessThan(9_000);
      expect(result.status).toBe('certified');
      const repair = temporal.client.workflow.getHandle(projectionRepairId(taskId, result.version));
      await eventually(
        async () => (await repair.describe()).status.name,
        (status) => status === 'RUNNING',
        { what: 'the repair workflow to start' },
      );
      expect((await projectedRow(taskId))?.status).toBe('open');
    } finally {
      await locker.query('rollback');
      await locker.end();
    }

    const row = await eventually(
      () => projectedRow(taskId),
      (found) => found?.status === 'certified',
      { timeoutMs: 30_000, what: `the row of ${taskId} after the lock` },
    );
    expect(row?.state_version).toBe(result.version);
  });
});
