// Launch rate of a campaign against trivial workflow starts, in one run with the same
// concurrency, and the worker's peak RSS on 12,441 and 66,200 tasks.
// Run: node --import tsx bench/campaign-launch.ts   (BENCH_LARGE=0 skips the 66,200-task part)
//
// A task counts as open when its first workflow task has completed, reported by a sink in a
// workflow interceptor bundled only into the benchmark worker (bench/lib/first-task-interceptor.ts).
// The rate is tasks open per second from the launch call (or the first trivial start) to the
// last task open. The worker runs in its own process so its RSS is measured alone.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { createCampaign } from '../db/campaigns/campaign-repository.js';
import { parseCampaignDefinition } from '../db/campaigns/campaign-schema.js';
import { takeSnapshot } from '../db/campaigns/snapshot.js';
import { importFile } from '../db/import/index.js';
import { createOrm, migrate } from '../db/orm.js';
import { PolicyRepository } from '../db/policy-repository.js';
import { DEFAULT_PACING, launchCampaign } from '../runtime/campaign-client.js';
import { startDevServer } from '../runtime/dev-server.js';
import { findFreePort } from '../runtime/ports.js';
import { findOrBuildTemporalCli } from '../runtime/temporal-cli.js';
import { workflowsPath } from '../runtime/worker.js';
import type { smokeWorkflow } from '../workflows/smoke.js';
import { machine, measure } from './lib/stack.js';

const env = process.env;
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? DEFAULT_PACING.concurrency);
const MAX_CACHED_WORKFLOWS = Number(env.BENCH_MAX_CACHED_WORKFLOWS ?? 1000);
const RUN_LARGE = env.BENCH_LARGE !== '0';
const ADMIN_URL = env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dataDir = fileURLToPath(new URL('../../shared/data/baton-c1z/', import.meta.url));
const SMALL_FILE = join(dataDir, 'demo-1k-users.expanded.c1z');
const LARGE_FILE = join(dataDir, 'demo-35k-users.unexpanded.c1z');

const quietBundler = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error: console.error,
  log() {},
};

/** A worker process and what it reported: first workflow tasks by workflow type, and RSS. */
interface BenchWorker {
  child: ChildProcess;
  opened: Map<string, { ids: Set<string>; lastAt: number }>;
  rss: { current: number; peak: number };
  resetPeak(): void;
  stop(): Promise<void>;
}

async function startWorker(settings: {
  address: string;
  taskQueue: string;
  databaseUrl: string;
  bundlePath: string;
}): Promise<BenchWorker> {
  const child = fork(fileURLToPath(new URL('./lib/campaign-worker.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: {
      ...env,
      TEMPORAL_ADDRESS: settings.address,
      TASK_QUEUE: settings.taskQueue,
      DATABASE_URL: settings.databaseUrl,
      WORKFLOW_BUNDLE: settings.bundlePath,
      MAX_CACHED_WORKFLOWS: String(MAX_CACHED_WORKFLOWS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const worker: BenchWorker = {
    child,
    opened: new Map(),
    rss: { current: 0, peak: 0 },
    resetPeak() {
      worker.rss.peak = worker.rss.current;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ kind: 'stop' });
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { kind: string; opened?: OpenedReport[]; rss?: number }) => {
      if (message.kind === 'ready') resolve();
      if (message.kind !== 'report') return;
      worker.rss.current = message.rss!;
      worker.rss.peak = Math.max(worker.rss.peak, message.rss!);
      for (const item of message.opened!) {
        const entry = worker.opened.get(item.type) ?? { ids: new Set<string>(), lastAt: 0 };
        entry.ids.add(item.id);
        entry.lastAt = Math.max(entry.lastAt, item.at);
        worker.opened.set(item.type, entry);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before ready`)));
  });
  return worker;
}

type OpenedReport = { type: string; id: string; at: number };

async function waitFor(what: string, done: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `recert_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Imports a file and creates a previewed campaign over all account grants. */
async function prepareCampaign(orm: MikroORM, file: string): Promise<number> {
  await importFile(orm, file, { allowUnfinishedSync: true, actor: 'bench' });
  const em = orm.em.fork();
  await new PolicyRepository(em).publish(
    {
      name: 'bench-review',
      steps: [
        {
          name: 'Manager review',
          reviewer: { kind: 'manager' },
          // Baton users have no managers, so every grant goes to these two reviewers.
          fallbackReviewerEmails: ['user-0@example.com', 'user-1@example.com'],
          due: '14d',
          commentRequired: { certify: false, remove: false },
          allowSelfReview: false,
        },
      ],
      revocation: { mode: 'manual' },
    },
    'bench',
  );
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: 'Benchmark: all user grants',
      policy: 'bench-review',
      owner: 'user-2@example.com',
      dueAt: new Date(Date.now() + 30 * 86_400_000),
    }),
    'bench',
  );
  await takeSnapshot(em, campaign.id);
  return campaign.id;
}

async function projectedCount(orm: MikroORM, campaignId: number): Promise<number> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from review_task where campaign_id = ?', [
      campaignId,
    ]);
  return Number(row?.n ?? 0);
}

/** Launches a campaign and waits until every task is open; returns rates and peak RSS. */
async function launchAndMeasure(
  client: Client,
  orm: MikroORM,
  worker: BenchWorker,
  taskQueue: string,
  campaignId: number,
  total: number,
) {
  worker.resetPeak();
  const started = Date.now();
  await launchCampaign(client, orm, campaignId, {
    actor: 'bench',
    taskQueue,
    launch: { concurrency: CONCURRENCY },
  });
  const opened = () => worker.opened.get('reviewTaskWorkflow');
  let projectedAt = 0;
  await waitFor(
    'every review task to be open',
    async () => {
      if (!projectedAt && (await projectedCount(orm, campaignId)) >= total)
        projectedAt = Date.now();
      return (opened()?.ids.size ?? 0) >= total && projectedAt > 0;
    },
    4 * 3_600_000,
  );
  const seconds = (opened()!.lastAt - started) / 1000;
  return {
    rate: total / seconds,
    seconds,
    projectedRate: total / ((projectedAt - started) / 1000),
    peakRss: worker.rss.peak,
  };
}

/** Starts `count` trivial workflows with the benchmark's concurrency; returns the open rate. */
async function trivialRate(client: Client, worker: BenchWorker, taskQueue: string, count: number) {
  const prefix = `smoke-${randomBytes(3).toString('hex')}`;
  const before = worker.opened.get('smokeWorkflow')?.ids.size ?? 0;
  const started = Date.now();
  await measure(count, CONCURRENCY, (i) =>
    client.workflow.start<typeof smokeWorkflow>('smokeWorkflow', {
      taskQueue,
      workflowId: `${prefix}-${i}`,
      args: [{ start: 0 }],
    }),
  );
  await waitFor(
    'every trivial workflow to be open',
    () => (worker.opened.get('smokeWorkflow')?.ids.size ?? 0) - before >= count,
    3_600_000,
  );
  const seconds = (worker.opened.get('smokeWorkflow')!.lastAt - started) / 1000;
  return { rate: count / seconds, seconds };
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** CPU seconds a process has used so far, from /proc (Linux only; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks, usually 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs `phase` and returns its result with the CPU seconds the worker and server used. */
async function withCpu<T>(worker: BenchWorker, phase: () => Promise<T>) {
  const pids = [worker.child.pid, server.process.pid];
  const before = pids.map(cpuSeconds);
  const result = await phase();
  const [workerCpu, serverCpu] = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
  return { ...result, workerCpu: workerCpu!, serverCpu: serverCpu! };
}

const server = await startDevServer({
  binary: await findOrBuildTemporalCli(),
  port: await findFreePort(),
});
const scratch = await mkdtemp(join(tmpdir(), 'recert-bench-'));
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const cleanups: (() => Promise<unknown>)[] = [];
try {
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [
      fileURLToPath(new URL('./lib/first-task-interceptor.ts', import.meta.url)),
    ],
    logger: quietBundler,
  });
  const bundlePath = join(scratch, 'bench-bundle.js');
  await writeFile(bundlePath, bundle.code);

  // 12,441 tasks: trivial starts, the campaign launch, trivial starts again.
  const small = await createDatabase();
  cleanups.push(small.drop);
  const smallOrm = await createOrm(small.url, { pool: { min: 0, max: 10 } });
  cleanups.unshift(() => smallOrm.close(true));
  await migrate(smallOrm);
  const smallCampaign = await prepareCampaign(smallOrm, SMALL_FILE);
  const total = (
    await smallOrm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>('select snapshot_grants as n from campaign where id = ?', [
        smallCampaign,
      ])
  )[0]!.n;
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  const worker = await startWorker({
    address: server.address,
    taskQueue,
    databaseUrl: small.url,
    bundlePath,
  });
  const trivialBefore = await withCpu(worker, () =>
    trivialRate(client, worker, taskQueue, Number(total)),
  );
  const recert = await withCpu(worker, () =>
    launchAndMeasure(client, smallOrm, worker, taskQueue, smallCampaign, Number(total)),
  );
  const trivialAfter = await withCpu(worker, () =>
    trivialRate(client, worker, taskQueue, Number(total)),
  );
  await worker.stop();
  const trivial = (trivialBefore.rate + trivialAfter.rate) / 2;

  console.log(`machine: ${machine()}`);
  console.log(`date: ${new Date().toISOString().slice(0, 10)}`);
  console.log(`concurrency ${CONCURRENCY}, maxCachedWorkflows ${MAX_CACHED_WORKFLOWS}`);
  console.log(
    `trivial workflows: ${trivialBefore.rate.toFixed(1)} and ${trivialAfter.rate.toFixed(1)} open/s (before and after), mean ${trivial.toFixed(1)}`,
  );
  console.log(
    `campaign of ${total} tasks: ${recert.rate.toFixed(1)} open/s (${recert.seconds.toFixed(1)} s); projection rows ${recert.projectedRate.toFixed(1)}/s`,
  );
  console.log(`ratio recert / trivial: ${(recert.rate / trivial).toFixed(2)} (goal >= 0.5)`);
  const perThousand = (seconds: number) => ((seconds / Number(total)) * 1000).toFixed(1);
  for (const [label, phase] of [
    ['trivial (before)', trivialBefore],
    ['campaign', recert],
    ['trivial (after)', trivialAfter],
  ] as const) {
    console.log(
      `CPU seconds per 1,000 tasks, ${label}: worker ${perThousand(phase.workerCpu)}, Temporal server ${perThousand(phase.serverCpu)}`,
    );
  }
  console.log(`worker peak RSS during the ${total}-task launch: ${mib(recert.peakRss)}`);

  if (RUN_LARGE) {
    // 66,200 tasks in a fresh worker process with the same maxCachedWorkflows.
    const large = await createDatabase();
    cleanups.push(large.drop);
    const largeOrm = await createOrm(large.url, { pool: { min: 0, max: 10 } });
    cleanups.unshift(() => largeOrm.close(true));
    await migrate(largeOrm);
    // Workflow ids derive from campaign ids, and both databases share this Temporal server.
    await largeOrm.em
      .fork()
      .getConnection()
      .execute('alter sequence campaign_id_seq restart with 1000000');
    const largeCampaign = await prepareCampaign(largeOrm, LARGE_FILE);
    const largeTotal = (
      await largeOrm.em
        .fork()
        .getConnection()
        .execute<{ n: string }[]>('select snapshot_grants as n from campaign where id = ?', [
          largeCampaign,
        ])
    )[0]!.n;
    const largeQueue = `bench-${randomBytes(3).toString('hex')}`;
    const largeWorker = await startWorker({
      address: server.address,
      taskQueue: largeQueue,
      databaseUrl: large.url,
      bundlePath,
    });
    const result = await launchAndMeasure(
      client,
      largeOrm,
      largeWorker,
      largeQueue,
      largeCampaign,
      Number(largeTotal),
    );
    await largeWorker.stop();
    const [failed] = await largeOrm.em
      .fork()
      .getConnection()
      .execute<{ status: string; tasks: string }[]>(
        `select c.status, (select count(*) from review_task t where t.campaign_id = c.id) as tasks
           from campaign c where c.id = ?`,
        [largeCampaign],
      );
    console.log(
      `campaign of ${largeTotal} tasks: ${result.rate.toFixed(1)} open/s (${result.seconds.toFixed(1)} s); ${failed!.tasks} projection rows, campaign ${failed!.status}`,
    );
    console.log(
      `worker peak RSS: ${mib(result.peakRss)}, ${(result.peakRss / recert.peakRss).toFixed(2)} x the ${total}-task figure (goal <= 1.2)`,
    );
  }
} finally {
  for (const cleanup of cleanups) await cleanup().catch((error) => console.error(error));
  await client.connection.close();
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
