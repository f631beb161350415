import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { projectTask } from '../activities/projection.js';
import { getTaskQuery } from '../workflows/messages.js';
import { searchAttributes as sa } from '../workflows/search-attributes.js';
import { projectionInput } from '../workflows/task-view.js';
import { listWorkflowIds } from './batch-actions.js';

export interface RebuildReport {
  found: number;
  rebuilt: number;
  failed: { taskId: string; message: string }[];
}

/**
 * Rewrites `review_task` rows (and any missing `task_event` rows) from the workflows
 * themselves, read by query, for recovery after database trouble. Writes go through the
 * same versioned upsert as the workflow's own projection, so a newer row is never replaced.
 */
export async function rebuildProjections(
  client: Client,
  orm: MikroORM,
  options: {
    campaignId?: number;
    concurrency?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<RebuildReport> {
  let query = 'WorkflowType = "reviewTaskWorkflow"';
  if (options.campaignId !== undefined)
    query += ` AND ${sa.campaignId.name} = "${options.campaignId}"`;
  const ids = await listWorkflowIds(client, query);
  const report: RebuildReport = { found: ids.length, rebuilt: 0, failed: [] };

  let next = 0;
  let done = 0;
  async function lane() {
    for (;;) {
      const taskId = ids[next++];
      if (taskId === undefined) return;
      try {
        const state = await client.workflow.getHandle(taskId).query(getTaskQuery);
        await projectTask(orm, projectionInput(state, 0));
        report.rebuilt += 1;
      } catch (error) {
        report.failed.push({ taskId, message: (error as Error).message });
      }
      options.onProgress?.(++done, ids.length);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, lane));
  return report;
}
