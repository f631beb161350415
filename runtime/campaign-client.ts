/**
 * The client side of campaigns, shared by the CLI and the web pages: launch, close, remind
 * and read launch progress. Each action that changes a campaign writes the audit log.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { LaunchProgress } from '../activities/campaigns/index.js';
import {
  campaignWorkflowId,
  CampaignStateError,
  getCampaign,
  transitionCampaign,
  type CampaignRecord,
} from '../db/campaigns/campaign-repository.js';
import type { NoResponseRule } from '../db/campaigns/campaign-schema.js';
import { writeEvidence } from '../db/campaigns/evidence.js';
import type { SnapshotResult } from '../db/campaigns/snapshot.js';
import { campaignAdminIds, superAdminIds } from '../db/role-repository.js';
import type { campaignWorkflow, CampaignPacing, LaunchPacing } from '../workflows/campaign.js';
import {
  closeCampaignUpdate,
  getCampaignQuery,
  remindReviewersUpdate,
  type CampaignRunState,
} from '../workflows/campaign-messages.js';
import { recordAudit } from './task-client.js';
import { withTimeLimit } from './time-limit.js';

/**
 * Pacing of a launch and a close. Batches of 500 bound what a retried attempt repeats.
 * `maxUnopened` stays well below the worker's default `maxCachedWorkflows` (1,000), so a task
 * is still cached when its second workflow task arrives.
 */
export const DEFAULT_PACING: LaunchPacing = {
  concurrency: 32,
  batchSize: 500,
  heartbeatTimeoutMs: 30_000,
  maxUnopened: 400,
};

export interface LaunchOptions {
  /** Audit label of who launches: `identity:<id>` or `cli:<os user>`. */
  actor: string;
  taskQueue: string;
  launch?: Partial<LaunchPacing>;
  close?: Partial<CampaignPacing>;
}

export interface LaunchResult {
  campaign: CampaignRecord;
  workflowId: string;
  /** False when the campaign workflow was already running or done: nothing new was started. */
  started: boolean;
}

/**
 * Launches a previewed campaign: freezes the admins written into every task, marks it
 * launching and starts its workflow, which starts the tasks. Safe to repeat: a second call
 * finds the workflow running and starts nothing.
 */
export async function launchCampaign(
  client: Client,
  orm: MikroORM,
  campaignId: number,
  options: LaunchOptions,
): Promise<LaunchResult> {
  const em = orm.em.fork();
  let campaign = await getCampaign(em, campaignId);
  if (campaign.status === 'closing' || campaign.status === 'closed') {
    throw new CampaignStateError(
      `Campaign ${campaignId} is ${campaign.status}; it cannot be launched.`,
    );
  }
  if (!campaign.snapshotAt) {
    throw new CampaignStateError(
      `Campaign ${campaignId} has no snapshot yet; preview it first (recert campaign preview ${campaignId}) to see the load before anyone is notified.`,
    );
  }
  if (campaign.snapshotGrants === 0) {
    throw new CampaignStateError(
      `Campaign ${campaignId} has no grants in scope, so there is nothing to launch; create one with a wider scope.`,
    );
  }
  const workflowId = campaignWorkflowId(campaignId);
  if (campaign.status === 'draft') {
    if (campaign.dueAt.getTime() <= Date.now()) {
      throw new CampaignStateError(
        `Campaign ${campaignId} was due ${campaign.dueAt.toISOString()}; create a new campaign with a later due date.`,
      );
    }
    const admins = [...new Set([...campaign.adminIds, ...(await campaignAdminIds(em))])];
    await transitionCampaign(em, campaignId, ['draft'], 'launching', {
      workflow_id: workflowId,
      launched_by: options.actor,
      launched_at: new Date(),
      task_admin_ids: JSON.stringify(admins),
      task_super_admin_ids: JSON.stringify(await superAdminIds(em)),
    });
    campaign = await getCampaign(em, campaignId);
  }

  let started = true;
  try {
    await client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [
        {
          campaignId,
          campaignName: campaign.name,
          dueAt: campaign.dueAt.toISOString(),
          launch: { ...DEFAULT_PACING, ...options.launch },
          close: { ...DEFAULT_PACING, ...options.close },
        },
      ],
      staticSummary: `Campaign ${campaign.name}: ${campaign.snapshotGrants} grants, due ${campaign.dueAt.toISOString().slice(0, 10)}`,
      // A failed run may be launched again; a running or finished one is never duplicated.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    started = false;
  }
  await recordAudit(orm, {
    actor: options.actor,
    action: 'campaign.launch',
    targetType: 'campaign',
    targetId: String(campaignId),
    detail: { workflowId, grants: campaign.snapshotGrants, alreadyLaunched: !started },
  });
  return { campaign, workflowId, started };
}

/** Raised when the campaign workflow rejects a request or is not running. */
export class CampaignRequestError extends Error {
  override name = 'CampaignRequestError';
}

async function sendUpdate<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new CampaignRequestError(error.cause?.message ?? error.message);
    if (error instanceof WorkflowNotFoundError)
      throw new CampaignRequestError('The campaign has not been launched.');
    if (/already completed/i.test((error as Error).message))
      throw new CampaignRequestError('The campaign is already closed.');
    throw error;
  }
}

/**
 * Asks the campaign to close now: its workflow applies the no-response rule (or `rule`) to
 * every open task, in the background. Returns once the request is accepted.
 */
export async function closeCampaign(
  client: Client,
  orm: MikroORM,
  campaignId: number,
  request: { actorId: number | null; actor: string; rule?: NoResponseRule; reason?: string },
): Promise<CampaignRunState> {
  const campaign = await getCampaign(orm.em.fork(), campaignId);
  if (campaign.status === 'draft')
    throw new CampaignRequestError(`Campaign ${campaignId} is a draft; there is nothing to close.`);
  const state = await sendUpdate(() =>
    client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .executeUpdate(closeCampaignUpdate, { args: [request] }),
  );
  await recordAudit(orm, {
    actor: request.actor,
    action: 'campaign.close',
    targetType: 'campaign',
    targetId: String(campaignId),
    reason: request.reason,
    detail: { rule: request.rule ?? campaign.noResponseRule },
  });
  return state;
}

/** Asks the campaign to send every reviewer with open tasks one reminder digest. */
export async function remindReviewers(
  client: Client,
  orm: MikroORM,
  campaignId: number,
  request: { actorId: number | null; actor: string; requestId: string },
): Promise<CampaignRunState> {
  const state = await sendUpdate(() =>
    client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .executeUpdate(remindReviewersUpdate, { args: [request], updateId: request.requestId }),
  );
  await recordAudit(orm, {
    actor: request.actor,
    action: 'campaign.remind',
    targetType: 'campaign',
    targetId: String(campaignId),
  });
  return state;
}

/** A campaign's run as Temporal stores it: the workflow's state and the launch's last heartbeat. */
export interface CampaignRun {
  state?: CampaignRunState;
  /** The running launch activity's last heartbeat, when a launch is under way. */
  launch?: LaunchProgress & { attempt: number; lastFailure?: string };
  status?: string;
}

/**
 * Reads the campaign workflow's state by query and the pending launch activity's heartbeat
 * details by describe. Both are optional, so a page still renders when Temporal is unreachable.
 */
export async function readCampaignRun(
  client: Client,
  campaignId: number,
  timeoutMs = 3_000,
): Promise<CampaignRun> {
  const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
  const withTimeout = <T>(work: () => Promise<T>) =>
    withTimeLimit(client, timeoutMs, 'Reading the campaign workflow', work);
  const run: CampaignRun = {};
  try {
    const description = await withTimeout(() => handle.describe());
    run.status = description.status.name;
    const pending = description.raw.pendingActivities?.find(
      (activity) => activity.activityType?.name === 'launchCampaignTasks',
    );
    const payload = pending?.heartbeatDetails?.payloads?.[0];
    if (pending && payload) {
      run.launch = {
        ...defaultPayloadConverter.fromPayload<LaunchProgress>(payload),
        attempt: pending.attempt ?? 1,
        ...(pending.lastFailure?.message ? { lastFailure: pending.lastFailure.message } : {}),
      };
    }
    run.state = await withTimeout(() => handle.query(getCampaignQuery));
  } catch {
    // Not launched, no worker polling, or Temporal unreachable: the caller shows the database.
  }
  return run;
}

/**
 * Writes a campaign's evidence files into `outDir` (see db/campaigns/evidence.ts) and records
 * the export, with each file's sha256 and row count, in the audit log.
 */
export async function exportEvidence(
  orm: MikroORM,
  campaignId: number,
  outDir: string,
  actor: string,
): Promise<Awaited<ReturnType<typeof writeEvidence>>> {
  const result = await writeEvidence(orm, campaignId, outDir, actor);
  await recordAudit(orm, {
    actor,
    action: 'campaign.export',
    targetType: 'campaign',
    targetId: String(campaignId),
    detail: {
      manifestSha256: result.manifestSha256,
      files: result.manifest.files.map(({ name, sha256, rows }) => ({ name, sha256, rows })),
    },
  });
  return result;
}

/** Records a campaign's creation in the audit log, with the policy and scope it fixes. */
export async function auditCampaignCreated(
  orm: MikroORM,
  actor: string,
  campaign: CampaignRecord,
): Promise<void> {
  await recordAudit(orm, {
    actor,
    action: 'campaign.create',
    targetType: 'campaign',
    targetId: String(campaign.id),
    detail: {
      name: campaign.name,
      policy: `${campaign.policyName} v${campaign.policyVersion}`,
      ownerId: campaign.ownerId,
      dueAt: campaign.dueAt.toISOString(),
      scope: campaign.scope,
    },
  });
}

/** Records a written snapshot (the grants frozen for launch) in the audit log. */
export async function auditSnapshot(
  orm: MikroORM,
  actor: string,
  snapshot: SnapshotResult,
  refresh: boolean,
): Promise<void> {
  if (!snapshot.written) return;
  await recordAudit(orm, {
    actor,
    action: 'campaign.snapshot',
    targetType: 'campaign',
    targetId: String(snapshot.campaign.id),
    detail: { grants: snapshot.grants, refresh },
  });
}
