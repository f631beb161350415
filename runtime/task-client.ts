import type { MikroORM } from '@mikro-orm/postgresql';
import {
  ApplicationFailure,
  ServiceError,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  getTaskQuery,
  INVALID_ACTION_INPUT,
  revocationWorkflowId,
  taskMessages,
  type ActionResult,
  type TaskAction,
  type TaskActionType,
} from '../workflows/messages.js';
import {
  REMOVAL_WAITING_STATUSES,
  type TaskLogEntry,
  type TaskState,
} from '../workflows/task-state.js';
import { withTimeLimit } from './time-limit.js';

/** The outcome of one action sent to a task, as pages and the CLI report it. */
export type ActionOutcome =
  | { ok: true; result: ActionResult }
  | {
      ok: false;
      reason: string;
      kind: 'rejected' | 'not_found' | 'unavailable';
      /** True when the input was missing or malformed, rather than forbidden by the state. */
      invalidInput?: boolean;
    };

export interface AuditActor {
  /** `identity:<id>`, `cli:<os user>` or similar. */
  label: string;
}

/** Appends one row to the append-only audit log. */
export async function recordAudit(
  orm: MikroORM,
  event: {
    actor: string;
    action: string;
    targetType?: string;
    targetId?: string;
    outcome?: 'ok' | 'rejected' | 'failed';
    reason?: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into audit_event (actor, action, target_type, target_id, outcome, reason, detail)
       values (?, ?, ?, ?, ?, ?, ?::jsonb)`,
      [
        event.actor,
        event.action,
        event.targetType ?? null,
        event.targetId ?? null,
        event.outcome ?? 'ok',
        event.reason ?? null,
        event.detail ? JSON.stringify(event.detail) : null,
      ],
    );
}

/**
 * Sends one action to a review task as an update, so the caller learns at once whether it was
 * applied. `requestId` becomes the update id: a retried request is applied once. A rejection
 * (the validator's reason) is written to the audit log, because it leaves no history event.
 */
export async function sendTaskAction(
  client: Client,
  orm: MikroORM,
  taskId: string,
  action: TaskAction,
  options: { requestId: string; actor: AuditActor },
): Promise<ActionOutcome> {
  const { type, ...input } = action;
  const update = taskMessages[type as TaskActionType].update as typeof taskMessages.certify.update;
  try {
    const result = await client.workflow
      .getHandle(taskId)
      .executeUpdate(update, { args: [input as never], updateId: options.requestId });
    return { ok: true, result };
  } catch (error) {
    const outcome = describeFailure(error);
    await recordAudit(orm, {
      actor: options.actor.label,
      action: `task.${type}`,
      targetType: 'review_task',
      targetId: taskId,
      outcome: 'rejected',
      reason: outcome.reason,
    });
    return outcome;
  }
}

/** Reports whether a rejected update's validator blamed the input rather than the state. */
export function isInvalidInput(error: WorkflowUpdateFailedError): boolean {
  return error.cause instanceof ApplicationFailure && error.cause.type === INVALID_ACTION_INPUT;
}

/** Turns a failed update into a rejection or "try later"; rethrows anything else. */
export function describeFailure(error: unknown): ActionOutcome & { ok: false } {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    return {
      ok: false,
      kind: 'rejected',
      reason: cause?.message ?? error.message,
      ...(isInvalidInput(error) ? { invalidInput: true } : {}),
    };
  }
  if (error instanceof WorkflowNotFoundError) {
    return { ok: false, kind: 'not_found', reason: 'The task is closed or no longer exists.' };
  }
  const message = (error as Error).message ?? String(error);
  if (/workflow execution already completed/i.test(message)) {
    return {
      ok: false,
      kind: 'rejected',
      reason: 'The task is already closed; no more actions are accepted.',
    };
  }
  // Only failures to reach Temporal mean "try later"; anything else is a bug and must surface.
  const unreachable =
    error instanceof ServiceError ||
    isGrpcServiceError(error) ||
    isGrpcDeadlineError(error) ||
    isGrpcCancelledError(error);
  if (!unreachable) throw error;
  return {
    ok: false,
    kind: 'unavailable',
    reason:
      'The task cannot be changed right now because the review service is not answering. Try again in a few minutes.',
  };
}

/** A task as a detail page shows it: live from the workflow, or from the projection. */
export type TaskReadResult =
  | { source: 'workflow'; state: TaskState }
  | { source: 'projection'; row: Record<string, unknown>; log: TaskLogEntry[]; notice: string }
  | { source: 'missing' };

/**
 * Reads a task by query, falling back to the `review_task` row and `task_event` log when no
 * worker answers within `timeoutMs` or the history is gone (closed and past retention).
 */
export async function readTask(
  client: Client,
  orm: MikroORM,
  taskId: string,
  timeoutMs = 3_000,
): Promise<TaskReadResult> {
  const handle: WorkflowHandle = client.workflow.getHandle(taskId);
  // Temporal removes a deleted execution some time after the request, and until then the
  // terminated workflow still returns query results.
  const [deleted] = await orm.em
    .fork()
    .getConnection()
    .execute(`select 1 from task_event where task_id = ? and type = 'deleted' limit 1`, [taskId]);
  if (deleted) return { source: 'missing' };
  try {
    const state = await withTimeLimit(client, timeoutMs, 'The task query', () =>
      handle.query(getTaskQuery),
    );
    return { source: 'workflow', state };
  } catch (error) {
    const db = orm.em.fork().getConnection();
    const [row] = await db.execute<Record<string, unknown>[]>(
      'select * from review_task where id = ?',
      [taskId],
    );
    if (!row) return { source: 'missing' };
    const events = await db.execute<Record<string, unknown>[]>(
      'select seq, type, actor_id, at, step_index, policy_name, policy_version, comment, data from task_event where task_id = ? order by seq',
      [taskId],
    );
    const log = events.map((e) => ({
      seq: Number(e.seq),
      type: e.type as TaskLogEntry['type'],
      actorId: (e.actor_id as number | null) ?? null,
      at: new Date(e.at as string).toISOString(),
      stepIndex: (e.step_index as number | null) ?? null,
      policyName: String(e.policy_name),
      policyVersion: Number(e.policy_version),
      ...(e.comment ? { comment: String(e.comment) } : {}),
      ...(e.data ? { data: e.data as Record<string, unknown> } : {}),
    }));
    const notice =
      error instanceof WorkflowNotFoundError
        ? 'This task’s workflow history is no longer kept by Temporal; showing the stored record.'
        : 'The review service is not answering right now; showing the last stored state. Actions are unavailable until it is back.';
    return { source: 'projection', row, log, notice };
  }
}

/**
 * Deletes a task: terminates its run, deletes the execution from Temporal, deletes its
 * projection row, and records the deletion in the audit log. The task log in `task_event`
 * is append-only and stays as evidence. A removal that only waits for people is stopped too,
 * because no page or list leads to it once its task is gone. A removal with a connector call
 * in flight runs to its end, like any removal whose task closes.
 */
export async function deleteTask(
  client: Client,
  orm: MikroORM,
  taskId: string,
  options: { actor: AuditActor; reason: string; namespace: string },
): Promise<void> {
  const handle = client.workflow.getHandle(taskId);
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ revocation_status: string | null }[]>(
      'select revocation_status from review_task where id = ?',
      [taskId],
    );
  const stopRemoval = REMOVAL_WAITING_STATUSES.some((status) => status === row?.revocation_status);
  try {
    await handle.terminate(`Deleted by ${options.actor.label}: ${options.reason}`);
  } catch (error) {
    if (
      !(error instanceof WorkflowNotFoundError) &&
      !/already completed/i.test((error as Error).message)
    )
      throw error;
  }
  try {
    await client.workflowService.deleteWorkflowExecution({
      namespace: options.namespace,
      workflowExecution: { workflowId: taskId },
    });
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
  if (stopRemoval) {
    try {
      await client.workflow
        .getHandle(revocationWorkflowId(taskId))
        .terminate(`Its task was deleted by ${options.actor.label}: ${options.reason}`);
    } catch (error) {
      if (
        !(error instanceof WorkflowNotFoundError) &&
        !/already completed/i.test((error as Error).message)
      )
        throw error;
    }
  }
  // The row is deleted and the task log gains a last entry with the actor and reason, so
  // campaign counts and evidence show the task as deleted instead of as never started.
  const actorId = /^identity:(\d+)$/.exec(options.actor.label)?.[1];
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `with gone as (delete from review_task where id = ? returning id),
            last as (select policy_name, policy_version, seq from task_event
                      where task_id = ? order by seq desc limit 1)
       insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name,
         policy_version, comment, data)
       select ?, coalesce((select seq from last), 0) + 1, 'deleted', ?, now(), null,
              coalesce((select policy_name from last), ''),
              coalesce((select policy_version from last), 0), ?, ?::jsonb
       where not exists (select 1 from task_event where task_id = ? and type = 'deleted')`,
      [
        taskId,
        taskId,
        taskId,
        actorId ? Number(actorId) : null,
        options.reason,
        JSON.stringify({
          actor: options.actor.label,
          ...(stopRemoval ? { removalStopped: row!.revocation_status } : {}),
        }),
        taskId,
      ],
    );
  await recordAudit(orm, {
    actor: options.actor.label,
    action: 'task.delete',
    targetType: 'review_task',
    targetId: taskId,
    reason: options.reason,
  });
}
