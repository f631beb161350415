// Brings up what a benchmark needs on loopback: a Temporal dev server, a fresh PostgreSQL
// database and a worker with Recert's real activities. Everything stops in `close()`.
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { createActivities } from '../../activities/index.js';
import { ConnectorRegistry } from '../../activities/connectors/registry.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { createOrm, migrate } from '../../db/orm.js';
import { startDevServer } from '../../runtime/dev-server.js';
import { logger } from '../../runtime/logger.js';
import { findFreePort } from '../../runtime/ports.js';
import { findOrBuildTemporalCli } from '../../runtime/temporal-cli.js';
import { installTemporalRuntime } from '../../runtime/temporal-runtime.js';
import { workflowsPath } from '../../runtime/worker.js';

export interface BenchStack {
  client: Client;
  orm: MikroORM;
  databaseUrl: string;
  taskQueue: string;
  temporalAddress: string;
  close(): Promise<void>;
}

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function startBenchStack(
  options: { maxCachedWorkflows?: number; runWorker?: boolean } = {},
): Promise<BenchStack> {
  installTemporalRuntime(logger.child({ level: 'warn' }));
  const server = await startDevServer({
    binary: await findOrBuildTemporalCli(),
    port: await findFreePort(),
  });
  // A benchmark whose server died would otherwise wait on retries forever.
  let stopping = false;
  server.process.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(
      `The Temporal dev server exited (code ${code}, signal ${signal}), so the benchmark stops.`,
    );
    process.exit(1);
  });

  const name = `recert_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const orm = await createOrm(url.toString(), { pool: { min: 0, max: 20 } });
  await migrate(orm);

  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  let worker: Worker | undefined;
  let nativeConnection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  if (options.runWorker !== false) {
    const bundle = await bundleWorkflowCode({
      workflowsPath,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    nativeConnection = await NativeConnection.connect({ address: server.address });
    worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({
        orm,
        log: logger,
        notifier: new Notifier(orm, loadNotificationConfig({}), logger.child({ level: 'warn' })),
        connectors: ConnectorRegistry.empty(),
      }),
      maxCachedWorkflows: options.maxCachedWorkflows ?? 2000,
    });
    running = worker.run();
  }

  return {
    client,
    orm,
    databaseUrl: url.toString(),
    taskQueue,
    temporalAddress: server.address,
    async close() {
      stopping = true;
      worker?.shutdown();
      await running;
      // An open native connection keeps Node running after everything else has stopped.
      await nativeConnection?.close();
      await client.connection.close();
      await orm.close(true);
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      await server.stop();
    },
  };
}

/** Runs `count` calls of `fn` with at most `concurrency` in flight; returns each latency in ms. */
export async function measure(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
  // Runs after each call, untimed: a client's think time.
  pause?: () => Promise<unknown> | undefined,
): Promise<number[]> {
  const latencies: number[] = new Array(count);
  let next = 0;
  async function lane() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const started = performance.now();
      await fn(i);
      latencies[i] = performance.now() - started;
      await pause?.();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return latencies;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One line describing this machine, for docs/benchmarks.md. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}
