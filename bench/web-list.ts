// Reviewer list page benchmark. It imports the 1k-user Baton file into a scratch database,
// gives one reviewer 5,000 open tasks (projection rows inserted with SQL, not workflows), signs
// in over HTTP and requests /reviews 500 times with 8 concurrent clients. In the same run and
// on the same server it requests a bare Hono route that runs the page's list query and returns
// the rows as JSON, with no session, checks or rendering. The two series run in alternating
// blocks. It prints p50 and p95 of both and their ratio; the goal is a page p95 of at most
// twice the bare route's.
//
// Usage: node --import tsx bench/web-list.ts
// BENCH_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names a server where
// a scratch database may be created and dropped. BENCH_REQUESTS and BENCH_CLIENTS change the
// request count and concurrency.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import pg from 'pg';
import pino from 'pino';
import { importFile } from '../db/import/index.js';
import { createOrm, migrate } from '../db/orm.js';
import { PolicyRepository } from '../db/policy-repository.js';
import { findFreePort } from '../runtime/ports.js';
import { loadTemporalConfig } from '../temporal.config.js';
import { createApp } from '../web/app.js';
import { loadWebConfig } from '../web/config.js';
import { taskPageQuery } from '../web/tasks/task-list.js';
import { machine, measure, percentile } from './lib/stack.js';

const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const requests = Number(process.env.BENCH_REQUESTS ?? 500);
const clients = Number(process.env.BENCH_CLIENTS ?? 8);
const TASKS = 5000;
const file = fileURLToPath(
  new URL('../../shared/data/baton-c1z/demo-1k-users.expanded.c1z', import.meta.url),
);

const name = `recert_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const orm = await createOrm(url.toString(), { pool: { min: 0, max: 10 } });
let server: ServerType | undefined;

try {
  await migrate(orm);
  await importFile(orm, file, { application: 'demo', actor: 'bench' });
  const db = orm.em.fork().getConnection();

  const [reviewer] = await db.execute<{ id: number }[]>(
    `select id from identity where email is not null order by id limit 1`,
  );
  const { policy } = await new PolicyRepository(orm.em.fork()).publish(
    {
      name: 'bench-policy',
      steps: [
        {
          name: 'Manager review',
          reviewer: { kind: 'manager' },
          fallbackReviewerEmails: [],
          due: '14d',
          commentRequired: { certify: false, remove: true },
          allowSelfReview: false,
        },
      ],
      revocation: { mode: 'manual' },
    },
    'bench',
  );
  const [campaign] = await db.execute<{ id: number }[]>(
    `insert into campaign (name, instructions, default_view, scope, policy_name, policy_version, owner_id, due_at, status)
     values ('Q4 access review', ?, 'by_application', '{}'::jsonb, ?, ?, ?, now() + interval '14 days', 'active')
     returning id`,
    [
      '## How to review\n\nCertify access that is **still needed**; remove the rest. Ask the owner when unsure.',
      policy.name,
      policy.version,
      reviewer!.id,
    ],
  );
  // One open task per account grant, the first 5,000, all assigned to one reviewer.
  const inserted = await db.execute<{ id: string }[]>(
    `insert into review_task (id, campaign_id, grant_id, application_id, resource_id, account_id,
       subject_identity_id, status, assignee_id, assignee_ids, step_index, step_name, policy_name,
       policy_version, state_version, risk_level, recommendation, summary, step_due_at)
     select 'bench-' || g.id, ?, g.id, g.application_id, g.resource_id, g.account_id, a.identity_id,
            'open', ?, ?::jsonb, 0, 'Manager review', ?, ?, 1, r.risk_level,
            case when g.id % 7 = 0 then 'remove' when g.id % 5 = 0 then 'closer_look' else null end,
            'bench task', now() + interval '14 days'
       from "grant" g join account a on a.id = g.account_id join resource r on r.id = g.resource_id
      where g.principal_type = 'account'
      order by g.id limit ?
     returning id`,
    [
      campaign!.id,
      reviewer!.id,
      JSON.stringify([reviewer!.id]),
      policy.name,
      policy.version,
      TASKS,
    ],
  );
  if (inserted.length !== TASKS)
    throw new Error(`expected ${TASKS} tasks, inserted ${inserted.length}`);
  await db.execute('analyze');

  // Production logs every request, so the page pays for it; the lines go to /dev/null.
  const log = pino({ level: 'info' }, pino.destination('/dev/null'));
  const port = await findFreePort();
  const base = `http://127.0.0.1:${port}`;
  const app = createApp({
    orm,
    // The list page never calls Temporal; a lazy connection is never dialled.
    temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
    temporalConfig: loadTemporalConfig({}),
    log,
    devMode: true,
    config: {
      ...loadWebConfig({ RECERT_PUBLIC_URL: base }),
      sessionSecret: randomBytes(32).toString('base64url'),
    },
  });
  const reviewerId = reviewer!.id;
  const root = new Hono()
    .get('/bench/bare', async (c) => {
      const query = taskPageQuery(
        reviewerId,
        { status: 'open', scope: 'mine' },
        'by_application',
        1,
      );
      const rows = await orm.em.fork().getConnection().execute(query.sql, query.params);
      return c.json(rows);
    })
    .route('/', app);
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: root.fetch, hostname: '127.0.0.1', port }, () =>
      resolve(started),
    );
  });

  // Sign in over HTTP with the development sign-in, as a browser would.
  const login = await fetch(`${base}/login`);
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const signedIn = await fetch(`${base}/login/dev`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: base,
      cookie: loginCookie,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ identityId: String(reviewerId), _csrf: csrf }).toString(),
  });
  const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('recert_session='))!;
  const cookie = session.split(';')[0]!;

  const page = async () => {
    const response = await fetch(`${base}/reviews`, { headers: { cookie } });
    const html = await response.text();
    if (response.status !== 200 || !html.includes('<li class="task"')) {
      throw new Error(`the list page returned HTTP ${response.status}`);
    }
  };
  const bare = async () => {
    const response = await fetch(`${base}/bench/bare`);
    if (response.status !== 200) throw new Error(`the bare route returned HTTP ${response.status}`);
    await response.arrayBuffer();
  };

  await measure(50, clients, page);
  await measure(50, clients, bare);
  // Alternating blocks, so load from anything else on the machine hits both series alike.
  const pageTimes: number[] = [];
  const bareTimes: number[] = [];
  const block = Math.max(1, Math.floor(requests / 10));
  for (let done = 0; done < requests; done += block) {
    const count = Math.min(block, requests - done);
    pageTimes.push(...(await measure(count, clients, page)));
    bareTimes.push(...(await measure(count, clients, bare)));
  }

  const line = (label: string, values: number[]) =>
    `${label.padEnd(10)} p50 ${percentile(values, 50).toFixed(1)} ms  p95 ${percentile(values, 95).toFixed(1)} ms`;
  const ratio = percentile(pageTimes, 95) / percentile(bareTimes, 95);
  console.log(`machine: ${machine()}`);
  console.log(
    `${TASKS} open tasks for one reviewer; ${requests} requests per series, ${clients} clients`,
  );
  console.log(line('page', pageTimes));
  console.log(line('bare', bareTimes));
  console.log(`p95 ratio (page / bare): ${ratio.toFixed(2)} (goal: at most 2)`);
} finally {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await orm.close(true);
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
