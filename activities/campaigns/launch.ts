import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { getCampaign } from '../../db/campaigns/campaign-repository.js';
import { PolicyRepository } from '../../db/policy-repository.js';
import type { reviewTaskWorkflow } from '../../workflows/review-task.js';
import { taskSummary } from '../../workflows/task-view.js';
import { computeInsights, loadInsightsConfig, type InsightsConfig } from '../insights/index.js';
import { forEachConcurrently } from './lanes.js';
import { OpenGate } from './open-gate.js';
import {
  reviewTaskInput,
  SNAPSHOT_ROW_COLUMNS,
  startSearchAttributes,
  type LaunchContext,
  type SnapshotRow,
} from './task-inputs.js';

export interface LaunchTasksInput {
  campaignId: number;
  /** Workflow starts in flight at once. */
  concurrency: number;
  /** Snapshot rows per batch; the heartbeat's cursor advances once a whole batch is started. */
  batchSize: number;
  /** Started tasks without a projection row allowed at once; keep it below maxCachedWorkflows. */
  maxUnopened: number;
}

/**
 * Progress of a launch, heartbeated by the activity. `cursor` is the `seq` of the last snapshot
 * row of the last batch whose tasks were all started. A retried attempt resumes after it.
 */
export interface LaunchProgress {
  cursor: number;
  /** Tasks this launch started, up to the cursor. */
  started: number;
  /** Tasks up to the cursor found already started (by an earlier attempt), counted as done. */
  existing: number;
  /** Rows in the snapshot. */
  total: number;
  /** Tasks of the batch in progress that are done; not carried into a retried attempt. */
  inBatch: number;
}

let insightsConfig: InsightsConfig | undefined;

/**
 * Insights and recommendations for one batch of grants, computed in bulk as of the launch time.
 * Kept behind this one function so the launch does not depend on how insights are computed.
 */
async function launchInsights(em: EntityManager, grantIds: number[], asOf: Date) {
  insightsConfig ??= loadInsightsConfig();
  return computeInsights(em, grantIds, insightsConfig, asOf);
}

async function launchContext(em: EntityManager, campaignId: number): Promise<LaunchContext> {
  const campaign = await getCampaign(em, campaignId);
  const policy = await new PolicyRepository(em).find(campaign.policyName, campaign.policyVersion);
  if (!policy) {
    throw ApplicationFailure.nonRetryable(
      `Policy ${campaign.policyName} v${campaign.policyVersion} of campaign ${campaignId} is not published.`,
      'CampaignLaunchError',
    );
  }
  if (!campaign.snapshotAt || campaign.taskAdminIds === null || !campaign.taskSuperAdminIds) {
    throw ApplicationFailure.nonRetryable(
      `Campaign ${campaignId} has no snapshot or launch settings; launch it with recert campaign launch.`,
      'CampaignLaunchError',
    );
  }
  return {
    campaign,
    policy,
    campaignAdminIds: campaign.taskAdminIds,
    superAdminIds: campaign.taskSuperAdminIds,
  };
}

/**
 * Starts one review task per snapshot row, in batches, with bounded concurrency, and resumes
 * after the heartbeat's cursor. Workflow ids are deterministic and Temporal rejects duplicates.
 * So a retried attempt, a second launch or a crash between a start and the heartbeat never
 * creates a task twice, because a start that finds its task already there counts as done.
 */
export async function launchCampaignTasks(
  orm: MikroORM,
  client: Client,
  input: LaunchTasksInput,
  options: { eagerStart: boolean },
): Promise<LaunchProgress> {
  const context = Context.current();
  const em = orm.em.fork();
  const launch = await launchContext(em, input.campaignId);
  const asOf = launch.campaign.launchedAt ?? new Date();
  const resumed = context.info.heartbeatDetails as LaunchProgress | undefined;
  const progress: LaunchProgress = {
    cursor: resumed?.cursor ?? 0,
    started: resumed?.started ?? 0,
    existing: resumed?.existing ?? 0,
    total: launch.campaign.snapshotGrants ?? 0,
    inBatch: 0,
  };
  const countOpened = async () => {
    const [row] = await em
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from review_task where campaign_id = ?', [
        input.campaignId,
      ]);
    return Number(row?.n ?? 0);
  };
  const gate = new OpenGate(
    countOpened,
    input.maxUnopened,
    progress.started + progress.existing,
    await countOpened(),
    () => context.heartbeat(progress),
    context.cancellationSignal,
  );
  context.log.info('launching campaign tasks', {
    campaignId: input.campaignId,
    resumeAfter: progress.cursor,
    total: progress.total,
    attempt: context.info.attempt,
  });

  for (;;) {
    const rows = await em.getConnection().execute<SnapshotRow[]>(
      `select ${SNAPSHOT_ROW_COLUMNS},
              exists (select 1 from review_task t where t.id = cg.task_id) as projected
         from campaign_grant cg
        where cg.campaign_id = ? and cg.seq > ?
        order by cg.seq limit ?`,
      [input.campaignId, progress.cursor, input.batchSize],
    );
    if (rows.length === 0) break;

    const toStart = rows.filter((row) => !row.projected);
    let started = 0;
    let existing = rows.length - toStart.length;
    for (let i = 0; i < existing; i++) await gate.admit();
    const insights = await launchInsights(
      em,
      toStart.map((row) => row.grant_id),
      asOf,
    );
    await forEachConcurrently(
      toStart,
      input.concurrency,
      async (row) => {
        await gate.admit();
        const taskInput = reviewTaskInput(launch, row, insights.get(row.grant_id));
        try {
          await client.workflow.start<typeof reviewTaskWorkflow>('reviewTaskWorkflow', {
            taskQueue: context.info.taskQueue,
            workflowId: row.task_id,
            args: [taskInput],
            staticSummary: taskSummary(taskInput.subject),
            typedSearchAttributes: startSearchAttributes(taskInput),
            // Also rejects a task that already closed, so a repeated launch never reopens it.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            // With the worker's own client, the server hands the first workflow task straight
            // back in the start response instead of queueing it for a poll.
            requestEagerStart: options.eagerStart,
          });
          started += 1;
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          existing += 1;
        }
        context.heartbeat({ ...progress, inBatch: started + existing });
      },
      context.cancellationSignal,
    );

    Object.assign(progress, {
      cursor: rows.at(-1)!.seq,
      started: progress.started + started,
      existing: progress.existing + existing,
      inBatch: 0,
    });
    context.heartbeat(progress);
    await em
      .getConnection()
      .execute('update campaign set tasks_started = greatest(tasks_started, ?) where id = ?', [
        progress.started + progress.existing,
        input.campaignId,
      ]);
  }

  context.log.info('campaign tasks launched', { campaignId: input.campaignId, ...progress });
  return progress;
}
