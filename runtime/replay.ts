import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { replaySinks } from '../activities/closed-task-sink.js';
import { campaignWorkflowId, reviewTaskIdPrefix } from '../db/campaigns/campaign-repository.js';
import { searchAttributes as sa } from '../workflows/search-attributes.js';
import { workflowsPath } from './worker.js';

export interface ReplayFailure {
  workflowId: string;
  runId: string;
  /** The SDK's description of the first point where the code and the history disagree. */
  message: string;
}

export interface ReplayReport {
  replayed: number;
  failures: ReplayFailure[];
}

/** Returns the visibility query for `recert replay`: a campaign's workflow, its tasks and their revocations. */
export function campaignReplayQuery(campaignId: number): string {
  // Revocations started before they carried the campaign attribute are found by their id prefix.
  return [
    `WorkflowId = "${campaignWorkflowId(campaignId)}"`,
    `${sa.campaignId.name} = "${campaignId}"`,
    `WorkflowId STARTS_WITH "${reviewTaskIdPrefix(campaignId)}"`,
  ].join(' OR ');
}

/** Bundles workflow code from `entry` (default: this checkout's workflows) for replay. */
export async function bundleForReplay(entry?: string): Promise<WorkflowBundle> {
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };
  return bundleWorkflowCode({
    workflowsPath: entry ? resolve(entry) : workflowsPath,
    logger: quiet,
  });
}

/**
 * Fetches the histories a visibility query matches and replays them against `bundle`. Any
 * nondeterminism means this code cannot safely take over those workflows.
 */
export async function replayFromServer(
  client: Client,
  options: {
    query?: string;
    limit?: number;
    bundle: WorkflowBundle;
    onProgress?: (done: number) => void;
  },
): Promise<ReplayReport> {
  const base =
    'WorkflowType = "reviewTaskWorkflow" OR WorkflowType = "revocationWorkflow" OR WorkflowType = "campaignWorkflow"';
  const query = options.query ? `(${base}) AND (${options.query})` : base;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;

  async function* limited() {
    let count = 0;
    for await (const item of client.workflow.list({ query }).intoHistories()) {
      if (count++ >= limit) return;
      yield item;
    }
  }

  const report: ReplayReport = { replayed: 0, failures: [] };
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: options.bundle, replayName: 'recert-replay', sinks: replaySinks },
    limited(),
  )) {
    report.replayed += 1;
    options.onProgress?.(report.replayed);
    if (result.error) {
      report.failures.push({
        workflowId: result.workflowId,
        runId: result.runId,
        message: result.error.message,
      });
    }
  }
  return report;
}
