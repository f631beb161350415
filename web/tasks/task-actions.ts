/**
 * Sends actions to tasks from the web layer. Each action is first checked here, with the
 * workflow's own reducer against the state just read, and then again by the workflow's update
 * validator, so a bug in one layer is not enough to let it through.
 */
import {
  isInvalidInput,
  recordAudit,
  sendTaskAction,
  type ActionOutcome,
} from '../../runtime/task-client.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  approveRevocationUpdate,
  denyRevocationUpdate,
  markProvisionedUpdate,
  retryRevocationUpdate,
  type TaskAction,
} from '../../workflows/messages.js';
import { checkRevocationAction } from '../../workflows/revocation.js';
import { reduce } from '../../workflows/task-reducer.js';
import { actorLabel, type CurrentUser } from '../auth/session.js';
import type { AppDeps } from '../deps.js';
import type { LoadedTask } from './task-access.js';

const UNAVAILABLE =
  'The task cannot be changed right now because the review service is not answering. Try again in a few minutes.';
const HISTORY_GONE =
  'The task is closed and its workflow history is no longer kept; no more actions are accepted.';

/** Builds the outcome for a task read from the projection, which cannot take actions. */
function projectionOutcome(loaded: LoadedTask): ActionOutcome & { ok: false } {
  const historyGone = loaded.view.notice?.includes('no longer kept') ?? false;
  return historyGone
    ? { ok: false, kind: 'rejected', reason: HISTORY_GONE }
    : { ok: false, kind: 'unavailable', reason: UNAVAILABLE };
}

/**
 * Sends `action` as an update, giving up after `taskActionTimeoutMs` so a page never hangs
 * when no worker responds. `requestId` becomes the update id: a retried request applies once.
 */
export function sendWithDeadline(
  deps: AppDeps,
  user: CurrentUser,
  taskId: string,
  action: TaskAction,
  requestId: string,
): Promise<ActionOutcome> {
  return deps.temporal
    .withDeadline(Date.now() + deps.taskActionTimeoutMs, () =>
      sendTaskAction(deps.temporal, deps.orm, taskId, action, {
        requestId,
        actor: { label: actorLabel(user) },
      }),
    )
    .then(async (outcome) => {
      if (outcome.ok) await awaitProjection(deps, taskId, outcome.result.version);
      return outcome;
    });
}

/**
 * Waits briefly until the projection holds the state an accepted update produced. The update
 * returns before the workflow writes its row, and the lists and counts the page redraws next
 * read that row, so without this a reviewer could see their own decision missing.
 */
async function awaitProjection(deps: AppDeps, taskId: string, version: number, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  const db = deps.orm.em.fork().getConnection();
  while (Date.now() < deadline) {
    const [row] = await db.execute<{ state_version: number }[]>(
      'select state_version from review_task where id = ?',
      [taskId],
    );
    if (!row || row.state_version >= version) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Checks `action` against the task's live state, then sends it; see the file comment. */
export async function performTaskAction(
  deps: AppDeps,
  user: CurrentUser,
  loaded: LoadedTask,
  action: TaskAction,
  requestId: string,
): Promise<ActionOutcome> {
  if (!loaded.state) return projectionOutcome(loaded);
  const check = reduce(loaded.state, action, new Date());
  if (!check.ok) {
    await recordAudit(deps.orm, {
      actor: actorLabel(user),
      action: `task.${action.type}`,
      targetType: 'review_task',
      targetId: loaded.view.id,
      outcome: 'rejected',
      reason: check.reason,
      detail: { checkedBy: 'web' },
    });
    return {
      ok: false,
      kind: 'rejected',
      reason: check.reason,
      ...(check.invalidInput ? { invalidInput: true } : {}),
    };
  }
  return sendWithDeadline(deps, user, loaded.view.id, action, requestId);
}

export type RevocationActionKind = 'approve' | 'deny' | 'markProvisioned' | 'retry';

const REVOCATION_UPDATES = {
  approve: approveRevocationUpdate,
  deny: denyRevocationUpdate,
  markProvisioned: markProvisionedUpdate,
  retry: retryRevocationUpdate,
} as const;

/**
 * Approves or denies a removal, marks it as provisioned, or retries it after a failure, through the revocation child's
 * updates. Accepted and rejected attempts both go to the audit log.
 */
export async function performRevocationAction(
  deps: AppDeps,
  user: CurrentUser,
  loaded: LoadedTask,
  kind: RevocationActionKind,
  comment: string | undefined,
  requestId: string,
): Promise<
  | { ok: true }
  | { ok: false; kind: 'rejected' | 'unavailable'; reason: string; invalidInput?: boolean }
> {
  const workflowId = loaded.state?.revocation?.workflowId;
  if (!loaded.state || !workflowId || !loaded.revocation) {
    return { ok: false, kind: 'unavailable', reason: UNAVAILABLE };
  }
  const input = { actorId: user.identityId, ...(comment ? { comment } : {}) };
  const audit = (outcome: 'ok' | 'rejected', reason?: string) =>
    recordAudit(deps.orm, {
      actor: actorLabel(user),
      action: `revocation.${kind}`,
      targetType: 'review_task',
      targetId: loaded.view.id,
      outcome,
      reason,
      detail: { workflowId },
    });

  const problem = checkRevocationAction(loaded.revocation, kind, input);
  if (problem) {
    await audit('rejected', problem.reason);
    return { ok: false, kind: 'rejected', ...problem };
  }
  try {
    await deps.temporal.withDeadline(Date.now() + deps.taskActionTimeoutMs, () =>
      deps.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(REVOCATION_UPDATES[kind], { args: [input], updateId: requestId }),
    );
  } catch (error) {
    const rejected = error instanceof WorkflowUpdateFailedError;
    const reason = rejected ? (error.cause?.message ?? error.message) : UNAVAILABLE;
    if (!rejected) deps.log.warn({ err: error, workflowId }, 'revocation update failed');
    await audit('rejected', reason);
    return {
      ok: false,
      kind: rejected ? 'rejected' : 'unavailable',
      reason,
      ...(rejected && isInvalidInput(error) ? { invalidInput: true } : {}),
    };
  }
  await audit('ok', comment);
  return { ok: true };
}
