import { fileURLToPath } from 'node:url';
import { Worker, type InjectedSinks, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { RecertSinks } from '../workflows/sinks.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** Built by `createWorkerSinks`; the review task writes its closed row through them. */
  sinks: InjectedSinks<RecertSinks>;
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles at start. */
  workflowBundlePath?: string;
  /** Upper bound on workflows kept in memory; this, not the number of open tasks, bounds RSS. */
  maxCachedWorkflows: number;
}

/** Creates a worker for Recert's workflows and activities. */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    sinks: options.sinks,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath }),
    maxCachedWorkflows: options.maxCachedWorkflows,
    // On SIGTERM, in-flight activities get this long to finish before they are cancelled.
    shutdownGraceTime: '30s',
  });
}
