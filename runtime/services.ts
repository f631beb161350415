import { serve, type ServerType } from '@hono/node-server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { loadConnectorRegistry } from '../activities/connectors/registry.js';
import { createWorkerSinks } from '../activities/closed-task-sink.js';
import { createActivities } from '../activities/index.js';
import { loadNotificationConfig } from '../activities/notifications/config.js';
import { Notifier } from '../activities/notifications/notifier.js';
import { createOrm, migrate } from '../db/orm.js';
import { cliTypeName, searchAttributes, type TemporalConfig } from '../temporal.config.js';
import { createApp } from '../web/app.js';
import type { WebConfig } from '../web/config.js';
import { connectClient, connectWorker } from './temporal-connection.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { createWorker } from './worker.js';
import { PortInUseError } from './ports.js';

export interface ServicesOptions {
  databaseUrl: string;
  temporalAddress: string;
  temporalConfig: TemporalConfig;
  temporalUiUrl?: string;
  webConfig: WebConfig;
  runWorker: boolean;
  runWeb: boolean;
  /** Maximum PostgreSQL connections of this process (RECERT_DB_POOL_MAX). */
  poolMax?: number;
  /** Import the demo organisation when the database contains no identities yet. */
  seedDemo: boolean;
  log: Logger;
}

/** Handles to the running services; `stop()` shuts them down in a safe order. */
export interface Services {
  orm: MikroORM;
  client: Client;
  worker?: Worker;
  web?: ServerType;
  stop(): Promise<void>;
}

/**
 * Connects to PostgreSQL and Temporal, migrates, and runs the worker and/or the web server.
 * `npm start` runs both; production runs `recert worker` and `recert web` as separate processes.
 */
export async function runServices(options: ServicesOptions): Promise<Services> {
  const { log, temporalConfig } = options;
  const orm = await createOrm(options.databaseUrl, {
    pool: { min: 0, max: options.poolMax ?? 10 },
  });
  const applied = await migrate(orm);
  if (applied.length) log.info({ migrations: applied }, 'applied database migrations');

  const client = await connectClient(temporalConfig, options.temporalAddress);
  await checkSearchAttributes(client, temporalConfig);

  if (options.seedDemo) {
    const { seedDemo } = await import('./demo.js');
    await seedDemo(orm, client, temporalConfig.taskQueue, log);
  }

  const services: Services = { orm, client, stop: async () => undefined };
  let workerRun: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;

  if (options.runWorker) {
    installTemporalRuntime(log.child({ component: 'worker' }));
    const connection = await connectWorker(temporalConfig, options.temporalAddress);
    workerConnection = connection;
    const worker = await createWorker({
      connection,
      namespace: temporalConfig.namespace,
      taskQueue: temporalConfig.taskQueue,
      activities: createActivities({
        orm,
        log,
        notifier: new Notifier(orm, loadNotificationConfig(), log.child({ component: 'notifier' })),
        connectors: await loadConnectorRegistry(),
      }),
      sinks: createWorkerSinks({ orm, log, connection }),
      maxCachedWorkflows: temporalConfig.maxCachedWorkflows,
    });
    services.worker = worker;
    workerRun = worker.run();
    workerRun.catch((error: unknown) => log.error({ err: error }, 'worker stopped with an error'));
    log.info({ taskQueue: temporalConfig.taskQueue }, 'worker started');
  }

  if (options.runWeb) {
    const app = createApp({
      orm,
      temporal: client,
      temporalConfig,
      temporalUiUrl: options.temporalUiUrl,
      log,
      devMode: options.webConfig.devLogin,
      config: options.webConfig,
    });
    const { port, host } = options.webConfig;
    services.web = await new Promise<ServerType>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(server));
      // Another process can take the port between the check at start and this listen.
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new PortInUseError(
                `Port ${port} on ${host} was taken while Recert started. Stop what is using it, or set RECERT_WEB_PORT to a free port.`,
              )
            : error,
        ),
      );
    });
    log.info({ url: options.webConfig.publicUrl }, 'web server started');
  }

  services.stop = async () => {
    if (services.web) {
      const web = services.web;
      await new Promise<void>((resolve) => web.close(() => resolve()));
      // Idle keep-alive connections would otherwise hold the process open.
      if ('closeAllConnections' in web) web.closeAllConnections();
    }
    if (services.worker) {
      // shutdown() stops polling and lets in-flight activities finish within shutdownGraceTime.
      if (services.worker.getState() === 'RUNNING') services.worker.shutdown();
      await workerRun?.catch(() => undefined);
    }
    // A native connection left open keeps the process alive after everything else stopped.
    await workerConnection?.close();
    await client.connection.close();
    await orm.close();
  };
  return services;
}

/**
 * Checks that Recert's search attributes exist in the namespace. The dev server registers
 * them at start, but a cluster needs an operator to do it once, so this fails with the exact
 * commands instead of letting the first workflow start fail.
 */
async function checkSearchAttributes(client: Client, config: TemporalConfig) {
  const response = await client.connection.operatorService.listSearchAttributes({
    namespace: config.namespace,
  });
  const present = new Set(Object.keys(response.customAttributes ?? {}));
  const missing = Object.values(searchAttributes).filter((a) => !present.has(a.name));
  if (missing.length === 0) return;
  const commands = missing.map(
    (a) =>
      `  temporal operator search-attribute create --namespace ${config.namespace} --name ${a.name} --type ${cliTypeName[a.type]}`,
  );
  throw new Error(
    `The Temporal namespace "${config.namespace}" lacks Recert's search attributes (${missing.map((a) => a.name).join(', ')}). Register them once:\n${commands.join('\n')}`,
  );
}
