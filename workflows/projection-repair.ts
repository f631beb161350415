import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ProjectionInput } from '../activities/projection.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Workflow id of the repair of one closed task's projection at one state version. */
export const projectionRepairId = (taskId: string, stateVersion: number) =>
  `projection-repair-${taskId}-v${stateVersion}`;

/**
 * Writes a closed task's projection that the worker could not write when the task closed.
 * The activity retries until the database takes the write.
 */
export async function projectionRepairWorkflow(input: ProjectionInput): Promise<void> {
  await store.projectTask(input);
}
