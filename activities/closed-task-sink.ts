import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, type ConnectionLike } from '@temporalio/client';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Logger } from 'pino';
import { projectionRepairId, projectionRepairWorkflow } from '../workflows/projection-repair.js';
import type { RecertSinks } from '../workflows/sinks.js';
import { projectTask, type ProjectionInput } from './projection.js';

/** Time a closed task's write may take before a repair workflow takes it over. */
const WRITE_DEADLINE_MS = 5_000;

export interface SinkDeps {
  orm: MikroORM;
  log: Logger;
  /** The worker's connection, which starts repair workflows. */
  connection: ConnectionLike;
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the write timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Returns why a write failed, without the statement. The driver's message quotes the whole
 * query, and its parameters contain the task's summary.
 */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const last = message.split(' - ').at(-1)!;
  return typeof code === 'string' ? `${code}: ${last}` : last;
}

/**
 * Builds the worker side of the review task's sinks. A task's last projection is written here,
 * in the closing workflow task, so the closing update returns after one workflow task.
 * The worker reports that workflow task only after the write, so if the worker dies first,
 * Temporal retries the workflow task and the write runs again. A failed write starts
 * `projectionRepairWorkflow`, which retries it through the projection activity.
 * NOTE: the write precedes Temporal's acceptance of the workflow task, as a local activity's
 * did. If the server rejects that workflow task because a signal arrived meanwhile, and the
 * retry orders the signal first, the retry's log entries can collide by position with the
 * ones written first and are dropped. The row itself follows the retry's newer version.
 */
export function createWorkerSinks(deps: SinkDeps): InjectedSinks<RecertSinks> {
  let client: Client | undefined;

  async function repair(info: WorkflowInfo, input: ProjectionInput, cause: unknown) {
    const taskId = input.row.taskId;
    deps.log.warn(
      { taskId, stateVersion: input.row.stateVersion, reason: reason(cause) },
      'closed task projection write failed, so a repair workflow retries it',
    );
    client ??= new Client({ connection: deps.connection, namespace: info.namespace });
    try {
      await client.workflow.start(projectionRepairWorkflow, {
        workflowId: projectionRepairId(taskId, input.row.stateVersion),
        taskQueue: info.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Write the closed review task ${taskId} to PostgreSQL`,
      });
    } catch (error) {
      deps.log.error(
        { taskId, stateVersion: input.row.stateVersion, reason: reason(error) },
        'starting the projection repair failed, so the review_task row is out of date until `recert projections rebuild` runs',
      );
    }
  }

  return {
    projection: {
      closed: {
        callDuringReplay: false,
        async fn(info, input) {
          try {
            await withDeadline(projectTask(deps.orm, input), WRITE_DEADLINE_MS);
          } catch (error) {
            await repair(info, input, error);
          }
        },
      },
    },
  };
}

/** Sinks for replay, which never calls them. Without them replay logs an unknown sink. */
export const replaySinks: InjectedSinks<RecertSinks> = {
  projection: { closed: { callDuringReplay: false, fn: () => undefined } },
};
