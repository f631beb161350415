import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { smokeWorkflow, getStateQuery, finishSignal } from '../workflows/smoke.js';
import { findFreePort, findPortOutsideEphemeralRange } from '../runtime/ports.js';
import { eventually } from './support/temporal.js';

const repoRoot = new URL('..', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: NodeJS.ProcessEnv): Started {
  const child = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

/** Processes whose command line mentions `needle`, other than this test's own pgrep. */
function processesMentioning(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', needle], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !line.includes('pgrep'));
  } catch {
    return [];
  }
}

describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let webPort: number;
  let temporalPort: number;

  beforeAll(async () => {
    // PostgreSQL runs as the postgres user when tests run as root, so it must reach the folder.
    dataDir = await mkdtemp(join(tmpdir(), 'recert-start-'));
    await chmod(dataDir, 0o755);
    // These ports are used again by the second start, minutes later.
    webPort = await findPortOutsideEphemeralRange();
    temporalPort = await findPortOutsideEphemeralRange();
    env = {
      ...process.env,
      RECERT_DATA_DIR: join(dataDir, 'data'),
      RECERT_WEB_PORT: String(webPort),
      RECERT_EMBEDDED_PG_PORT: String(await findPortOutsideEphemeralRange()),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_DEV_UI_PORT: String(await findPortOutsideEphemeralRange()),
      TEMPORAL_TASK_QUEUE: 'recert-start-test',
      // Matches no identity, so the banner lists it as having no rights yet.
      RECERT_SUPER_ADMINS: 'not-imported@example.com',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      VITEST: '',
    };
  });

  afterAll(async () => {
    for (const line of processesMentioning(dataDir)) {
      const pid = Number(line.split(' ')[0]);
      if (pid) process.kill(pid, 'SIGKILL');
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs twice on the same data and leaves no process behind', { timeout: 300_000 }, async () => {
    const first = npmStart(env);
    await eventually(
      async () => first.output(),
      (text) => text.includes('Recert is running'),
      {
        timeoutMs: 180_000,
        what: 'the start banner',
      },
    );
    expect(first.output()).toContain(`http://127.0.0.1:${webPort}`);
    expect(first.output()).toContain('Temporal UI:');
    expect(first.output()).toContain(`--address 127.0.0.1:${temporalPort}`);

    const health = await fetch(`http://127.0.0.1:${webPort}/health`);
    expect(health.status).toBe(200);
    const uiPort = env.TEMPORAL_DEV_UI_PORT;
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);

    // Leave state in both stores: a row in PostgreSQL and a running workflow in Temporal.
    const secrets = JSON.parse(await readFile(join(env.RECERT_DATA_DIR!, 'secrets.json'), 'utf8'));
    const databaseUrl = `postgresql://recert:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${env.RECERT_EMBEDDED_PG_PORT}/recert`;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`insert into audit_event (actor, action) values ('test', 'start-test-marker')`);
    // The first start launches a demo campaign and names its super admin in the banner.
    expect(first.output()).toMatch(/Super admins: \S+@\S+/);
    expect(first.output()).toContain(
      'Not yet:      not-imported@example.com from RECERT_SUPER_ADMINS',
    );
    const demo = await eventually(
      async () =>
        (
          await db.query<{ status: string; tasks: string; grants: number }>(
            `select status, snapshot_grants as grants,
                    (select count(*) from review_task t where t.campaign_id = c.id) as tasks
               from campaign c`,
          )
        ).rows,
      (rows) => rows.length === 1 && Number(rows[0]!.tasks) === rows[0]!.grants,
      { timeoutMs: 120_000, what: 'the demo campaign to open its tasks' },
    );
    expect(demo[0]!.grants).toBeGreaterThan(0);
    expect(demo[0]!.status).toBe('active');
    await db.end();
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const client = new Client({ connection });
    const handle = await client.workflow.start(smokeWorkflow, {
      taskQueue: 'recert-start-test',
      workflowId: 'start-test-smoke',
      args: [{ start: 5 }],
    });
    await eventually(
      () => handle.query(getStateQuery),
      (state) => state.count === 5,
      { what: 'the smoke workflow' },
    );
    await connection.close();

    // A CLI command from a shell that sets none of the ports reaches this instance through its
    // instance file, and leaves its PostgreSQL running.
    const shellEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(RECERT_|TEMPORAL_|DATABASE_URL$)/.test(name),
      ),
    );
    const listed = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'cli/recert.ts', 'campaign', 'list', '--json'],
      { cwd: repoRoot, env: { ...shellEnv, RECERT_DATA_DIR: env.RECERT_DATA_DIR } },
    ).toString();
    expect(JSON.parse(listed)).toHaveLength(1);
    const stillUp = new pg.Client({ connectionString: databaseUrl });
    await stillUp.connect();
    expect((await stillUp.query('select 1 as up')).rows).toEqual([{ up: 1 }]);
    await stillUp.end();

    // A second start on the same data reports that Recert already runs there.
    const duplicate = npmStart(env);
    expect(await duplicate.exited).not.toBe(0);
    expect(duplicate.output()).toContain(`Recert is already running from ${env.RECERT_DATA_DIR}`);

    first.child.kill('SIGTERM');
    await first.exited;
    // The instance file goes with the instance, so later commands do not adopt its settings.
    expect(existsSync(join(env.RECERT_DATA_DIR!, 'instance.json'))).toBe(false);
    await eventually(
      async () => processesMentioning(dataDir),
      (left) => left.length === 0,
      {
        timeoutMs: 30_000,
        what: 'every child of npm start to exit',
      },
    );

    const second = npmStart(env);
    await eventually(
      async () => second.output(),
      (text) => text.includes('Recert is running'),
      {
        timeoutMs: 180_000,
        what: 'the second start banner',
      },
    );
    const db2 = new pg.Client({ connectionString: databaseUrl });
    await db2.connect();
    const { rowCount } = await db2.query(
      `select 1 from audit_event where action = 'start-test-marker'`,
    );
    const campaigns = await db2.query('select id from campaign');
    await db2.end();
    expect(rowCount).toBe(1);
    expect(campaigns.rowCount).toBe(1);

    const connection2 = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const client2 = new Client({ connection: connection2 });
    const again = client2.workflow.getHandle('start-test-smoke');
    expect((await again.query(getStateQuery)).count).toBe(5);
    await again.signal(finishSignal);
    await again.result();
    await connection2.close();

    second.child.kill('SIGTERM');
    await second.exited;
    await eventually(
      async () => processesMentioning(dataDir),
      (left) => left.length === 0,
      {
        timeoutMs: 30_000,
        what: 'every child of the second npm start to exit',
      },
    );
  });

  it(
    'names the port and its variable when the web port is taken',
    { timeout: 120_000 },
    async () => {
      const blocker = createServer();
      const port = await findFreePort();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      try {
        const run = npmStart({
          ...env,
          RECERT_WEB_PORT: String(port),
          RECERT_DATA_DIR: join(dataDir, 'blocked'),
        });
        const code = await run.exited;
        expect(code).not.toBe(0);
        expect(run.output()).toContain(`Port ${port}`);
        expect(run.output()).toContain('RECERT_WEB_PORT');
      } finally {
        blocker.close();
      }
    },
  );

  it('names each invalid variable', { timeout: 60_000 }, async () => {
    const run = npmStart({ ...env, RECERT_WEB_PORT: 'eighty', TEMPORAL_TLS: 'maybe' });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain('RECERT_WEB_PORT="eighty"');
    expect(run.output()).toContain('TEMPORAL_TLS="maybe"');
  });
});
