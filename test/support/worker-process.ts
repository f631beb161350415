// A review worker in its own process, so tests can kill it with SIGKILL. Configured by
// environment: TEMPORAL_ADDRESS, TASK_QUEUE, DATABASE_URL, WORKFLOW_BUNDLE and optionally
// MAX_CACHED_WORKFLOWS (default 100). Campaign activities start tasks with the worker's client.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createWorkerSinks } from '../../activities/closed-task-sink.js';
import { createActivities } from '../../activities/index.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { createOrm } from '../../db/orm.js';
import { logger } from '../../runtime/logger.js';
import { installTemporalRuntime } from '../../runtime/temporal-runtime.js';

const env = process.env;
installTemporalRuntime(logger);
const orm = await createOrm(env.DATABASE_URL!);
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  taskQueue: env.TASK_QUEUE!,
  workflowBundle: { codePath: env.WORKFLOW_BUNDLE! },
  activities: createActivities({
    orm,
    log: logger,
    notifier: new Notifier(orm, loadNotificationConfig({}), logger),
  }),
  sinks: createWorkerSinks({ orm, log: logger, connection }),
  maxCachedWorkflows: Number(env.MAX_CACHED_WORKFLOWS ?? 100),
});
process.stdout.write('worker ready\n');
await worker.run();
await connection.close();
await orm.close();
