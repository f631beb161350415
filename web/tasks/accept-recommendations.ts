/**
 * The per-task step of the "accept recommendations" bulk action: remove the access where the
 * task recommends "remove this access", and skip every other task with the reason.
 */
import { readTask } from '../../runtime/task-client.js';
import type { CurrentUser } from '../auth/session.js';
import type { AppDeps } from '../deps.js';
import type { BulkItem } from './bulk-jobs.js';
import { sendWithDeadline } from './task-actions.js';

const SKIP_REASONS: Record<string, string> = {
  closer_look:
    'The recommendation is to take a closer look, which only a reviewer can do: decide this task yourself.',
  none: 'The task has no recommendation to accept.',
};

function skipped(kind: string | null | undefined): Pick<BulkItem, 'outcome' | 'reason'> {
  return { outcome: 'skipped', reason: SKIP_REASONS[kind ?? 'none'] ?? SKIP_REASONS.none };
}

/**
 * Removes one task's access when its recommendation is "remove this access". The list's
 * projection row is checked first to skip cheaply, then the workflow's own state, because a
 * refresh may have changed the recommendation since the row was written. The removal carries
 * the insights version just read, so the workflow rejects it if the insights change again
 * before it arrives.
 */
export async function acceptRecommendation(
  deps: AppDeps,
  user: CurrentUser,
  task: { id: string; recommendation: string | null },
  comment: string,
  requestId: string,
): Promise<Pick<BulkItem, 'outcome' | 'reason'>> {
  if (task.recommendation !== 'remove') return skipped(task.recommendation);

  const read = await readTask(deps.temporal, deps.orm, task.id, deps.taskQueryTimeoutMs);
  if (read.source !== 'workflow') {
    return {
      outcome: 'unavailable',
      reason: 'The task could not be read from the review service, so nothing was sent.',
    };
  }
  const { state } = read;
  if (state.recommendation?.kind !== 'remove') return skipped(state.recommendation?.kind);

  const outcome = await sendWithDeadline(
    deps,
    user,
    task.id,
    {
      type: 'remove',
      actorId: user.identityId,
      seenInsightsVersion: state.insightsVersion,
      ...(comment ? { comment } : {}),
    },
    requestId,
  );
  if (outcome.ok) return { outcome: 'applied' };
  return {
    outcome: outcome.kind === 'unavailable' ? 'unavailable' : 'rejected',
    reason: outcome.reason,
  };
}
