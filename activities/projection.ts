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
 * A write that arrives after the task's `deleted` log entry writes nothing, so an activity
 * still running when its workflow was terminated cannot restore a deleted task.
 * NOTE: a write whose statement began before the deletion committed can still restore the row.
 */
export async function projectTask(orm: MikroORM, input: ProjectionInput): Promise<void> {
  const row = input.row;
  const record = {
    id: row.taskId,
    campaign_id: row.campaignId,
    grant_id: row.grantId,
    application_id: row.applicationId,
    resource_id: row.resourceId,
    account_id: row.accountId,
    subject_identity_id: row.subjectIdentityId,
    status: row.status,
    revocation_status: row.revocationStatus,
    revocation_actor_ids: row.revocationActorIds ?? [],
    assignee_id: row.assigneeId,
    assignee_ids: row.assigneeIds,
    step_index: row.stepIndex,
    step_name: row.stepName,
    policy_name: row.policyName,
    policy_version: row.policyVersion,
    state_version: row.stateVersion,
    risk_level: row.riskLevel,
    recommendation: row.recommendation,
    summary: row.summary,
    step_due_at: row.stepDueAt,
    closed_at: row.closedAt,
  };
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
    `with deleted as (
       select 1 from task_event where task_id = ? and type = 'deleted' limit 1
     ),
     task as (
       insert into review_task as t (id, campaign_id, grant_id, application_id, resource_id, account_id,
         subject_identity_id, status, revocation_status, revocation_actor_ids, assignee_id, assignee_ids,
         step_index, step_name, policy_name, policy_version, state_version, risk_level, recommendation,
         summary, step_due_at, created_at, updated_at, closed_at)
       select r.id, r.campaign_id, r.grant_id, r.application_id, r.resource_id, r.account_id,
         r.subject_identity_id, r.status, r.revocation_status, r.revocation_actor_ids, r.assignee_id,
         r.assignee_ids, r.step_index, r.step_name, r.policy_name, r.policy_version, r.state_version,
         r.risk_level, r.recommendation, r.summary, r.step_due_at, now(), now(), r.closed_at
       from jsonb_populate_record(null::review_task, ?::jsonb) as r
       where not exists (select 1 from deleted)
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
     where not exists (select 1 from deleted)
     on conflict (task_id, seq) do nothing`,
    [row.taskId, JSON.stringify(record), row.taskId, JSON.stringify(entries)],
    'run',
  );
}
