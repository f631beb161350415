import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NoResponseRule } from '../../db/campaigns/campaign-schema.js';
import { plannedCloses, type CloseOutcome } from '../../db/campaigns/close-plan.js';
import { closeByCampaignUpdate } from '../../workflows/messages.js';
import { forEachConcurrently } from './lanes.js';

export interface CloseTasksInput {
  campaignId: number;
  rule: NoResponseRule;
  /** A campaign administrator named in every task's input (the owner when in doubt). */
  actorId: number;
  reason: string;
  concurrency: number;
  batchSize: number;
}

/** Counts of a close so far; heartbeated, with `cursor` the last snapshot `seq` handled. */
export interface CloseProgress {
  cursor: number;
  certify: number;
  remove: number;
  leaveOpen: number;
  /** Tasks a reviewer closed between the plan and the update. */
  alreadyClosed: number;
  /** Tasks whose workflow no longer exists (deleted by an admin). */
  missing: number;
  /** Tasks that rejected the update for another reason; `rejections` contains a few reasons. */
  rejected: number;
  rejections: string[];
}

const OUTCOME_FIELD: Record<CloseOutcome, 'certify' | 'remove' | 'leaveOpen'> = {
  certify: 'certify',
  remove: 'remove',
  leave_open: 'leaveOpen',
};

/**
 * Tells every open task of the campaign that the campaign is closing, with the outcome its
 * no-response rule gives it, in batches with bounded concurrency. Each task closes (certified,
 * removed or expired), so no more decisions are accepted. Updates carry a per-task id, so a
 * retried attempt that resends one is applied once; a task closed meanwhile is counted, not
 * failed.
 */
export async function closeCampaignTasks(
  orm: MikroORM,
  client: Client,
  input: CloseTasksInput,
): Promise<CloseProgress> {
  const context = Context.current();
  const em = orm.em.fork();
  const resumed = context.info.heartbeatDetails as CloseProgress | undefined;
  const progress: CloseProgress = resumed ?? {
    cursor: 0,
    certify: 0,
    remove: 0,
    leaveOpen: 0,
    alreadyClosed: 0,
    missing: 0,
    rejected: 0,
    rejections: [],
  };
  context.log.info('closing campaign tasks', {
    campaignId: input.campaignId,
    rule: input.rule,
    resumeAfter: progress.cursor,
  });

  for (;;) {
    const batch = await plannedCloses(
      em,
      input.campaignId,
      input.rule,
      progress.cursor,
      input.batchSize,
    );
    if (batch.length === 0) break;
    // Counted per batch and committed with the cursor, so a retried batch is not counted twice.
    const counts = { ...progress, rejections: [...progress.rejections] };
    await forEachConcurrently(
      batch,
      input.concurrency,
      async (task) => {
        try {
          await client.workflow.getHandle(task.taskId).executeUpdate(closeByCampaignUpdate, {
            args: [{ actorId: input.actorId, outcome: task.outcome, reason: input.reason }],
            updateId: `close-c${input.campaignId}-${task.taskId}`,
          });
          counts[OUTCOME_FIELD[task.outcome]] += 1;
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          const reason =
            error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? message) : '';
          if (error instanceof WorkflowNotFoundError) counts.missing += 1;
          else if (/already (closed|completed)/i.test(reason || message)) counts.alreadyClosed += 1;
          else if (error instanceof WorkflowUpdateFailedError) {
            counts.rejected += 1;
            if (counts.rejections.length < 10) counts.rejections.push(`${task.taskId}: ${reason}`);
            context.log.warn('task rejected the campaign close', { taskId: task.taskId, reason });
          } else throw error;
        }
        context.heartbeat(progress);
      },
      context.cancellationSignal,
    );
    Object.assign(progress, counts, { cursor: batch.at(-1)!.seq });
    context.heartbeat(progress);
  }

  context.log.info('campaign tasks closed', { campaignId: input.campaignId, ...progress });
  return progress;
}
