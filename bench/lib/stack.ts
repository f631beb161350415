// Brings up what a benchmark needs on loopback: a Temporal dev server, a fresh PostgreSQL
// database and a worker with Recert's real activities. Everything stops in `close()`.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { createWorkerSinks } from '../../activities/closed-task-sink.js';
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
  /** Reads the CPU seconds used so far by the dev server, PostgreSQL and this process. */
  cpu(): Promise<CpuReading>;
  close(): Promise<void>;
}

export interface CpuSeconds {
  server: number;
  postgres: number;
  node: number;
}

/** A reading of CPU seconds, with PostgreSQL read per backend because backends come and go. */
export interface CpuReading {
  server: number;
  postgres: Map<number, number>;
  node: number;
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
      sinks: createWorkerSinks({ orm, log: logger, connection: nativeConnection }),
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
    async cpu() {
      const usage = process.cpuUsage();
      return {
        server: await processCpuSeconds(server.process.pid),
        postgres: await postgresCpuSeconds(),
        node: (usage.user + usage.system) / 1e6,
      };
    },
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

const CLOCK_TICKS = 100;

/** Reads the user plus system CPU seconds of one process from /proc, or 0 when it is gone. */
async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Reads the CPU seconds of each process named postgres, keyed by process id. */
async function postgresCpuSeconds(): Promise<Map<number, number>> {
  const byPid = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const name = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (name.trim() === 'postgres')
      byPid.set(Number(entry), await processCpuSeconds(Number(entry)));
  }
  return byPid;
}

/**
 * Computes the CPU each component used between two readings. PostgreSQL counts the backends
 * alive at both, which are the pool's connections. A backend that exits in between is left out.
 */
export function cpuUsed(before: CpuReading, after: CpuReading): CpuSeconds {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) {
    const earlier = before.postgres.get(pid);
    if (earlier !== undefined) postgres += seconds - earlier;
  }
  return { server: after.server - before.server, postgres, node: after.node - before.node };
}

/** Formats the CPU per call in milliseconds for a benchmark's report. */
export function cpuPerCall(used: CpuSeconds, calls: number): string {
  const ms = (seconds: number) => ((seconds * 1000) / calls).toFixed(2);
  return `CPU per call: server ${ms(used.server)} ms, PostgreSQL ${ms(used.postgres)} ms, bench and worker ${ms(used.node)} ms`;
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
