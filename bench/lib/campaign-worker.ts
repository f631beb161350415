// A Recert worker in its own process for bench/campaign-launch.ts, so its RSS is the worker's
// alone. Configured by environment: TEMPORAL_ADDRESS, TASK_QUEUE, DATABASE_URL,
// WORKFLOW_BUNDLE (built with bench/lib/first-task-interceptor.ts) and MAX_CACHED_WORKFLOWS.
// Sends the parent, over IPC, the ids of workflows whose first workflow task completed and
// the process's RSS, every 200 ms.
import { readFileSync } from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createWorkerSinks } from '../../activities/closed-task-sink.js';
import { createActivities } from '../../activities/index.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { createOrm } from '../../db/orm.js';
import { logger } from '../../runtime/logger.js';
import { installTemporalRuntime } from '../../runtime/temporal-runtime.js';

const env = process.env;
const quiet = logger.child({ level: 'warn' });
installTemporalRuntime(quiet);
const orm = await createOrm(env.DATABASE_URL!, { pool: { min: 0, max: 20 } });

let opened: { type: string; id: string; at: number }[] = [];
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  taskQueue: env.TASK_QUEUE!,
  workflowBundle: { codePath: env.WORKFLOW_BUNDLE! },
  activities: createActivities({
    orm,
    log: quiet,
    notifier: new Notifier(orm, loadNotificationConfig({}), quiet),
  }),
  maxCachedWorkflows: Number(env.MAX_CACHED_WORKFLOWS),
  sinks: {
    ...createWorkerSinks({ orm, log: quiet, connection }),
    bench: {
      opened: {
        fn: (info) => {
          opened.push({ type: info.workflowType, id: info.workflowId, at: Date.now() });
        },
        callDuringReplay: false,
      },
    },
  },
});

/** Resident set size in bytes, from /proc (Linux) or the process API elsewhere. */
function rss(): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.memoryUsage.rss();
}

const reporter = setInterval(() => {
  process.send?.({ kind: 'report', opened, rss: rss() });
  opened = [];
}, 200);
process.on('message', (message: { kind?: string }) => {
  if (message.kind === 'stop') worker.shutdown();
});
process.send?.({ kind: 'ready' });
await worker.run();
clearInterval(reporter);
// An open native connection keeps the process alive after the worker stops.
await connection.close();
await orm.close();
process.disconnect?.();
