import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ServiceError, type Client } from '@temporalio/client';
import {
  retryRevocationUpdate,
  revocationWorkflowId,
  type TaskAction,
} from '../workflows/messages.js';
import { searchAttributes as sa } from '../workflows/search-attributes.js';
import { InvalidQueryError } from './query-error.js';
import { describeFailure, recordAudit, sendTaskAction, type AuditActor } from './task-client.js';

/** Tasks a batch would act on, found in visibility and cross-checked with the projection. */
export interface BatchTargets {
  taskIds: string[];
  /** Found by the visibility query but not (yet) in the projection with matching values. */
  onlyInVisibility: string[];
  /** In the projection but not returned by visibility (lagging visibility or a stale row). */
  onlyInProjection: string[];
}

/** Quotes a value for a Temporal visibility query. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The visibility query for open review tasks, optionally narrowed by `extra`. */
export function openTasksQuery(extra?: string): string {
  const base = `WorkflowType = "reviewTaskWorkflow" AND ExecutionStatus = "Running" AND ${sa.status.name} = "open"`;
  return extra ? `${base} AND (${extra})` : base;
}

export async function listWorkflowIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  } catch (error) {
    // The SDK's own message is only "Failed to list workflows"; the reason is in its cause.
    const reason =
      error instanceof ServiceError ? (error.cause as Error | undefined)?.message : undefined;
    if (reason?.includes('INVALID_ARGUMENT')) {
      throw new InvalidQueryError(
        `Temporal rejected the query ${query}: ${reason.replace(/^\d+ INVALID_ARGUMENT: /, '')}. Recert's search attributes are ${Object.values(
          sa,
        )
          .map((key) => key.name)
          .join(', ')}.`,
      );
    }
    throw error;
  }
  return ids.sort();
}

function crossCheck(visible: string[], projected: string[]): BatchTargets {
  const visibleSet = new Set(visible);
  const projectedSet = new Set(projected);
  return {
    taskIds: [...new Set([...visible, ...projected])].sort(),
    onlyInVisibility: visible.filter((id) => !projectedSet.has(id)),
    onlyInProjection: projected.filter((id) => !visibleSet.has(id)),
  };
}

/**
 * Open tasks of `policyName` on a version older than `latestVersion`, from the policy and
 * policy-version search attributes, cross-checked with the `review_task` projection.
 */
export async function findTasksOnOlderPolicy(
  client: Client,
  orm: MikroORM,
  options: { policyName: string; latestVersion: number; campaignId?: number },
): Promise<BatchTargets> {
  const clauses = [
    `${sa.policy.name} = ${quote(options.policyName)}`,
    `${sa.policyVersion.name} < ${options.latestVersion}`,
  ];
  if (options.campaignId !== undefined)
    clauses.push(`${sa.campaignId.name} = ${quote(String(options.campaignId))}`);
  const visible = await listWorkflowIds(client, openTasksQuery(clauses.join(' AND ')));
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from review_task where status = 'open' and policy_name = ? and policy_version < ?
       ${options.campaignId !== undefined ? 'and campaign_id = ?' : ''} order by id`,
      options.campaignId !== undefined
        ? [options.policyName, options.latestVersion, options.campaignId]
        : [options.policyName, options.latestVersion],
    );
  return crossCheck(
    visible,
    rows.map((row) => row.id),
  );
}

/** Open tasks matching an operator's visibility query. */
export async function findTasksByQuery(client: Client, query: string): Promise<BatchTargets> {
  const visible = await listWorkflowIds(client, openTasksQuery(query));
  return { taskIds: visible, onlyInVisibility: [], onlyInProjection: [] };
}

/**
 * Failed removals that wait for a retry or a manual confirmation, from the projection,
 * optionally of one campaign. Removals that failed before Recert kept them open wait for no one
 * and are left out: their workflows have finished.
 */
export async function findFailedRemovals(
  orm: MikroORM,
  options: { campaignId?: number },
): Promise<BatchTargets> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from review_task
       where revocation_status in ('failed', 'verification_failed')
         and jsonb_array_length(revocation_actor_ids) > 0
       ${options.campaignId !== undefined ? 'and campaign_id = ?' : ''} order by id`,
      options.campaignId !== undefined ? [options.campaignId] : [],
    );
  return { taskIds: rows.map((row) => row.id), onlyInVisibility: [], onlyInProjection: [] };
}

/** Sends one action of a batch to one task; `requestId` is the update id. */
export type BatchSender = (
  taskId: string,
  requestId: string,
) => Promise<{ ok: true } | { ok: false; reason: string }>;

/** Sends `action(taskId)` to each review task, auditing rejections as `task.<type>`. */
export function taskActionSender(
  client: Client,
  orm: MikroORM,
  action: (taskId: string) => TaskAction,
  actor: AuditActor,
): BatchSender {
  return (taskId, requestId) =>
    sendTaskAction(client, orm, taskId, action(taskId), { requestId, actor });
}

/**
 * Asks each task's revocation child to try its failed removal again, auditing each attempt as
 * `revocation.retry`, as the task page does.
 */
export function removalRetrySender(
  client: Client,
  orm: MikroORM,
  input: { actorId: number; comment: string },
  actor: AuditActor,
): BatchSender {
  return async (taskId, requestId) => {
    const workflowId = revocationWorkflowId(taskId);
    const audit = (outcome: 'ok' | 'rejected', reason?: string) =>
      recordAudit(orm, {
        actor: actor.label,
        action: 'revocation.retry',
        targetType: 'review_task',
        targetId: taskId,
        outcome,
        reason,
        detail: { workflowId },
      });
    try {
      await client.workflow
        .getHandle(workflowId)
        .executeUpdate(retryRevocationUpdate, { args: [input], updateId: requestId });
    } catch (error) {
      const failure = describeFailure(error);
      await audit('rejected', failure.reason);
      return failure;
    }
    await audit('ok', input.comment);
    return { ok: true };
  };
}

export type BatchResult =
  { taskId: string; outcome: 'applied' } | { taskId: string; outcome: 'rejected'; reason: string };

/** What a batch run has done so far; saved after every few tasks so a rerun can resume. */
interface Cursor {
  batchId: string;
  action: string;
  results: Record<string, BatchResult>;
}

export interface BatchOptions {
  /** Names the run; each task's update id is `<batchId>:<taskId>`, so a resend applies once. */
  batchId: string;
  taskIds: string[];
  /** Names the action in the cursor file, so a rerun cannot resume a different action. */
  actionName: string;
  send: BatchSender;
  concurrency: number;
  /** Where progress is kept between runs; a rerun with the same file skips finished tasks. */
  cursorFile: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Sends one action to many tasks with bounded concurrency. Progress goes to a cursor file, and
 * each update id is derived from the batch id and task id, so an interrupted run can be
 * started again without acting on any task twice.
 */
export async function runBatch(options: BatchOptions): Promise<BatchResult[]> {
  const cursor = await loadCursor(options.cursorFile, options.batchId, options.actionName);
  const pending = options.taskIds.filter((id) => !cursor.results[id]);
  let done = options.taskIds.length - pending.length;
  options.onProgress?.(done, options.taskIds.length);

  let next = 0;
  let unsaved = 0;
  let saving = Promise.resolve();
  const save = () => {
    saving = saving.then(() => saveCursor(options.cursorFile, cursor));
    return saving;
  };

  async function lane() {
    for (;;) {
      const taskId = pending[next++];
      if (taskId === undefined) return;
      const outcome = await options.send(taskId, `${options.batchId}:${taskId}`);
      cursor.results[taskId] = outcome.ok
        ? { taskId, outcome: 'applied' }
        : { taskId, outcome: 'rejected', reason: outcome.reason };
      done += 1;
      unsaved += 1;
      options.onProgress?.(done, options.taskIds.length);
      if (unsaved >= 50) {
        unsaved = 0;
        await save();
      }
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  await save();
  return options.taskIds.map((id) => cursor.results[id]!).filter(Boolean);
}

async function loadCursor(file: string, batchId: string, action: string): Promise<Cursor> {
  if (!existsSync(file)) return { batchId, action, results: {} };
  const cursor = JSON.parse(await readFile(file, 'utf8')) as Cursor;
  if (cursor.batchId !== batchId || cursor.action !== action) {
    throw new Error(
      `${file} belongs to batch ${cursor.batchId} (${cursor.action}); choose another --batch-id or remove the file.`,
    );
  }
  return cursor;
}

async function saveCursor(file: string, cursor: Cursor) {
  await mkdir(dirname(file), { recursive: true });
  // Write then rename, so a crash never leaves a half-written cursor.
  await writeFile(`${file}.tmp`, JSON.stringify(cursor));
  await rename(`${file}.tmp`, file);
}
