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
    /** Missing in activities scheduled by versions without it. */
    revocationActorIds?: number[];
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
 * One statement writes both, so they commit together without a transaction round trip.
 */
export async function projectTask(orm: MikroORM, input: ProjectionInput): Promise<void> {
  const row = input.row;
  const entries = input.entries.map((entry) => ({
    seq: entry.seq,
    type: entry.type,
    actor_id: entry.actorId,
    at: entry.at,
    step_index: entry.stepIndex,
    policy_name: entry.policyName,
    policy_version: entry.policyVersion,
    comment: entry.comment ?? null,
    data: entry.data ?? null,
  }));
  await orm.em.getConnection().execute(
    `with task as (
       insert into review_task as t (id, campaign_id, grant_id, application_id, resource_id, account_id,
         subject_identity_id, status, revocation_status, revocation_actor_ids, assignee_id, assignee_ids,
         step_index, step_name, policy_name, policy_version, state_version, risk_level, recommendation,
         summary, step_due_at, created_at, updated_at, closed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now(), ?)
       on conflict (id) do update set
         status = excluded.status, revocation_status = excluded.revocation_status,
         revocation_actor_ids = excluded.revocation_actor_ids,
         assignee_id = excluded.assignee_id, assignee_ids = excluded.assignee_ids,
         step_index = excluded.step_index, step_name = excluded.step_name,
         policy_name = excluded.policy_name, policy_version = excluded.policy_version,
         state_version = excluded.state_version, risk_level = excluded.risk_level,
         recommendation = excluded.recommendation, summary = excluded.summary,
         step_due_at = excluded.step_due_at, updated_at = now(), closed_at = excluded.closed_at
       where t.state_version < excluded.state_version
     )
     insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name, policy_version, comment, data)
     select ?, e.seq, e.type, e.actor_id, e.at, e.step_index, e.policy_name, e.policy_version, e.comment, e.data
     from jsonb_to_recordset(?::jsonb) as e(seq int, type varchar, actor_id int, at timestamptz,
       step_index int, policy_name varchar, policy_version int, comment text, data jsonb)
     on conflict (task_id, seq) do nothing`,
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
      JSON.stringify(row.revocationActorIds ?? []),
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
      row.taskId,
      JSON.stringify(entries),
    ],
    'run',
  );
}
