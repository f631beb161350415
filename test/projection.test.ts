import { describe, expect, it } from 'vitest';
import { projectTask } from '../activities/projection.js';
import type { TaskLogEntry } from '../workflows/task-state.js';
import { useTestDatabase } from './support/database.js';

const db = useTestDatabase();

function input(
  taskId: string,
  version: number,
  status: 'open' | 'certified',
  entries: TaskLogEntry[] = [],
) {
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
});
