import type { MikroORM } from '@mikro-orm/postgresql';
import type { TaskLogEntry, TaskState } from '../workflows/task-state.js';

/** A task's row for `review_task` plus the log entries the projection has not written yet. */
export interface ProjectionInput {
  row: {
    taskId: string;
    campaignId: number | null;
    grantId: number | null;
    applicationId: number | null;
    resourceId: number | null;
    accountId: number | null;
    subjectIdentityId: number | null;
    status: TaskState['status'];
    revocationStatus: string | null;
    assigneeId: number | null;
    assigneeIds: number[];
    stepIndex: number;
    stepName: string | null;
    policyName: string;
    policyVersion: number;
    stateVersion: number;
    riskLevel: string;
    recommendation: string | null;
    summary: string;
    stepDueAt: string | null;
    closedAt: string | null;
  };
  entries: TaskLogEntry[];
}

/**
 * Writes a task's projection. Idempotent under retry and out-of-order delivery: the row is
 * replaced only by a newer state version, and log entries are keyed by (task id, seq).
 */
export async function projectTask(orm: MikroORM, input: ProjectionInput): Promise<void> {
  const em = orm.em.fork();
  const row = input.row;
  await em.transactional(async (tx) => {
    // Passing the transaction context keeps both statements on the transaction's connection;
    // without it each statement takes another pool connection, which deadlocks under load.
    const context = tx.getTransactionContext();
    const txConnection = tx.getConnection();
    await txConnection.execute(
      `insert into review_task as t (id, campaign_id, grant_id, application_id, resource_id, account_id,
         subject_identity_id, status, revocation_status, assignee_id, assignee_ids, step_index, step_name,
         policy_name, policy_version, state_version, risk_level, recommendation, summary, step_due_at,
         created_at, updated_at, closed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now(), ?)
       on conflict (id) do update set
         status = excluded.status, revocation_status = excluded.revocation_status,
         assignee_id = excluded.assignee_id, assignee_ids = excluded.assignee_ids,
         step_index = excluded.step_index, step_name = excluded.step_name,
         policy_name = excluded.policy_name, policy_version = excluded.policy_version,
         state_version = excluded.state_version, risk_level = excluded.risk_level,
         recommendation = excluded.recommendation, summary = excluded.summary,
         step_due_at = excluded.step_due_at, updated_at = now(), closed_at = excluded.closed_at
       where t.state_version < excluded.state_version`,
      [
        row.taskId,
        row.campaignId,
        row.grantId,
        row.applicationId,
        row.resourceId,
        row.accountId,
        row.subjectIdentityId,
        row.status,
        row.revocationStatus,
        row.assigneeId,
        JSON.stringify(row.assigneeIds),
        row.stepIndex,
        row.stepName,
        row.policyName,
        row.policyVersion,
        row.stateVersion,
        row.riskLevel,
        row.recommendation,
        row.summary,
        row.stepDueAt,
        row.closedAt,
      ],
      'run',
      context,
    );
    if (input.entries.length === 0) return;
    const values: unknown[] = [];
    const tuples = input.entries.map((entry) => {
      values.push(
        row.taskId,
        entry.seq,
        entry.type,
        entry.actorId,
        entry.at,
        entry.stepIndex,
        entry.policyName,
        entry.policyVersion,
        entry.comment ?? null,
        entry.data === undefined ? null : JSON.stringify(entry.data),
      );
      return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)';
    });
    await txConnection.execute(
      `insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name, policy_version, comment, data)
       values ${tuples.join(', ')}
       on conflict (task_id, seq) do nothing`,
      values,
      'run',
      context,
    );
  });
}
