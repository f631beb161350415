import type { WorkflowHandle } from '@temporalio/client';
import { createWorkerSinks } from '../../activities/closed-task-sink.js';
import { createActivities } from '../../activities/index.js';
import { ConnectorRegistry } from '../../activities/connectors/registry.js';
import type { Connector } from '../../activities/connectors/types.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { logger } from '../../runtime/logger.js';
import { getTaskQuery } from '../../workflows/messages.js';
import { reviewTaskWorkflow } from '../../workflows/review-task.js';
import type { ReviewTaskInput, TaskState } from '../../workflows/task-state.js';
import { taskSummary } from '../../workflows/task-view.js';
import { useTestDatabase } from './database.js';
import { eventually, useTemporalWorker } from './temporal.js';

/**
 * A database, a worker with Recert's real activities (outbox notifier, given connectors) and a
 * client, for one test file.
 */
export function useReviewHarness(
  options: { connectors?: () => Connector[]; env?: NodeJS.ProcessEnv } = {},
) {
  const db = useTestDatabase();
  const temporal = useTemporalWorker((connection) => ({
    activities: createActivities({
      orm: db.orm,
      log: logger,
      notifier: new Notifier(db.orm, loadNotificationConfig(options.env ?? {}), logger),
      connectors: ConnectorRegistry.of(...(options.connectors?.() ?? [])),
    }),
    sinks: createWorkerSinks({ orm: db.orm, log: logger, connection }),
  }));

  async function start(input: ReviewTaskInput): Promise<WorkflowHandle<typeof reviewTaskWorkflow>> {
    return temporal.client.workflow.start(reviewTaskWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: input.taskId,
      args: [input],
      staticSummary: taskSummary(input.subject),
    });
  }

  /** Polls the task's query until `accept` holds. */
  function until(handle: WorkflowHandle, accept: (state: TaskState) => boolean, what: string) {
    return eventually(() => handle.query(getTaskQuery), accept, { what });
  }

  return { db, temporal, start, until };
}
