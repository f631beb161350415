import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Runtime,
  Worker,
  DefaultLogger,
  type WorkerOptions,
} from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';

let runtimeInstalled = false;

/** Keeps the worker's own logging to warnings so test output stays readable. */
function installQuietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by another helper in this process.
  }
}

/** A unique id with a readable prefix, so parallel tests never share a workflow or queue. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface TemporalHarness {
  client: Client;
  taskQueue: string;
  worker: Worker;
}

/**
 * Connects a client to the run's dev server and runs a worker on a task queue of this test
 * file's own, with the workflow bundle built once per run.
 */
export function useTemporalWorker(
  options: (
    connection: NativeConnection,
  ) =>
    | Promise<Pick<WorkerOptions, 'activities'> & Partial<WorkerOptions>>
    | (Pick<WorkerOptions, 'activities'> & Partial<WorkerOptions>) = () => ({ activities: {} }),
): TemporalHarness {
  const harness = {} as TemporalHarness;
  let running: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    const address = inject('temporalAddress');
    harness.client = new Client({ connection: await Connection.connect({ address }) });
    harness.taskQueue = uniqueId('tq');
    nativeConnection = await NativeConnection.connect({ address });
    harness.worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: harness.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      maxCachedWorkflows: 100,
      ...(await options(nativeConnection)),
    });
    running = harness.worker.run();
  });
  afterAll(async () => {
    if (harness.worker && harness.worker.getState() === 'RUNNING') harness.worker.shutdown();
    await running;
    await nativeConnection?.close();
    await harness.client?.connection.close();
  });
  return harness;
}

/** Polls `probe` until it returns a value that passes `accept`, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 100, what = 'the expected state' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(last)}${lastError ? `, last error ${(lastError as Error).message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
