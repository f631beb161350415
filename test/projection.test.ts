import { describe, expect, it } from 'vitest';
import { projectTask, type ProjectionInput } from '../activities/projection.js';
import type { TaskLogEntry } from '../workflows/task-state.js';
import { useTestDatabase } from './support/database.js';

const db = useTestDatabase();

function input(
  taskId: string,
  version: number,
  status: 'open' | 'certified',
  entries: TaskLogEntry[] = [],
): ProjectionInput {
  return {
    row: {
      taskId,
      campaignId: 1,
      grantId: null,
      applicationId: null,
      resourceId: null,
      accountId: null,
      subjectIdentityId: null,
      status,
      revocationStatus: null,
      assigneeId: 2,
      assigneeIds: [2],
      stepIndex: 0,
      stepName: 'Manager review',
      policyName: 'p',
      policyVersion: 1,
      stateVersion: version,
      riskLevel: 'low',
      recommendation: null,
      summary: 'Review',
      stepDueAt: null,
      closedAt: null,
    },
    entries,
  };
}

const entry = (seq: number): TaskLogEntry => ({
  seq,
  type: 'commented',
  actorId: 2,
  at: new Date().toISOString(),
  stepIndex: 0,
  policyName: 'p',
  policyVersion: 1,
  comment: `c${seq}`,
});

describe('task projection', () => {
  it('ignores a write older than the stored version', async () => {
    await projectTask(db.orm, input('proj-1', 5, 'certified'));
    await projectTask(db.orm, input('proj-1', 3, 'open'));
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute('select status, state_version from review_task where id = ?', ['proj-1']);
    expect(rows).toEqual([{ status: 'certified', state_version: 5 }]);
  });

  it('appends each log entry once under retry', async () => {
    await projectTask(db.orm, input('proj-2', 1, 'open', [entry(1), entry(2)]));
    await projectTask(db.orm, input('proj-2', 1, 'open', [entry(1), entry(2)]));
    await projectTask(db.orm, input('proj-2', 2, 'open', [entry(2), entry(3)]));
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: number }[]>('select seq from task_event where task_id = ? order by seq', [
        'proj-2',
      ]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('refuses to change the task log afterwards', async () => {
    await projectTask(db.orm, input('proj-3', 1, 'open', [entry(1)]));
    await expect(
      db.orm.em
        .fork()
        .getConnection()
        .execute(`update task_event set comment = 'edited' where task_id = 'proj-3'`),
    ).rejects.toThrow('append-only');
  });

  it('skips a deleted task', async () => {
    const connection = db.orm.em.fork().getConnection();
    await projectTask(db.orm, input('proj-4', 1, 'open', [entry(1)]));
    // What deleteTask leaves: no row, and a last `deleted` entry in the log.
    await connection.execute(`delete from review_task where id = 'proj-4'`);
    await connection.execute(
      `insert into task_event (task_id, seq, type, actor_id, at, policy_name, policy_version)
       values ('proj-4', 2, 'deleted', 2, now(), 'p', 1)`,
    );
    // A projection activity that was still running when the workflow was terminated.
    await projectTask(db.orm, input('proj-4', 2, 'certified', [entry(2), entry(3)]));
    expect(await connection.execute(`select id from review_task where id = 'proj-4'`)).toEqual([]);
    const events = await connection.execute<{ seq: number; type: string }[]>(
      `select seq, type from task_event where task_id = 'proj-4' order by seq`,
    );
    expect(events).toEqual([
      { seq: 1, type: 'commented' },
      { seq: 2, type: 'deleted' },
    ]);
  });

  it('stores every row column', async () => {
    const closed = input('proj-5', 4, 'certified');
    closed.row = {
      ...closed.row,
      grantId: 7,
      applicationId: 8,
      resourceId: 9,
      accountId: 10,
      subjectIdentityId: 11,
      revocationStatus: 'manual',
      revocationActorIds: [3, 4],
      recommendation: 'remove',
      stepDueAt: '2026-12-01T10:00:00.000Z',
      closedAt: '2026-12-02T11:30:00.000Z',
    };
    await projectTask(db.orm, closed);
    const [row] = await db.orm.em
      .fork()
      .getConnection()
      .execute<Record<string, unknown>[]>(`select * from review_task where id = 'proj-5'`);
    expect(row).toMatchObject({
      campaign_id: 1,
      grant_id: 7,
      application_id: 8,
      resource_id: 9,
      account_id: 10,
      subject_identity_id: 11,
      status: 'certified',
      revocation_status: 'manual',
      revocation_actor_ids: [3, 4],
      assignee_id: 2,
      assignee_ids: [2],
      step_index: 0,
      step_name: 'Manager review',
      policy_name: 'p',
      policy_version: 1,
      state_version: 4,
      risk_level: 'low',
      recommendation: 'remove',
      summary: 'Review',
    });
    expect(new Date(row!.step_due_at as string).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(new Date(row!.closed_at as string).toISOString()).toBe('2026-12-02T11:30:00.000Z');
  });
});
