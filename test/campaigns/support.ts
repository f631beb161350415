import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { inject } from 'vitest';
import { createCampaign } from '../../db/campaigns/campaign-repository.js';
import {
  parseCampaignDefinition,
  type CampaignDefinitionInput,
} from '../../db/campaigns/campaign-schema.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import { launchCampaign } from '../../runtime/campaign-client.js';
import type { PolicyStep } from '../../workflows/policy.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { eventually } from '../support/temporal.js';

/**
 * Moves the database's campaign ids to a random range. Test databases share one Temporal
 * server, and a campaign's workflow ids derive from its id, so two test files must never
 * both have a campaign 1.
 */
export async function spreadCampaignIds(orm: MikroORM): Promise<void> {
  await orm.em
    .fork()
    .getConnection()
    .execute(`alter sequence campaign_id_seq restart with ${randomInt(1_000, 2_000_000_000)}`);
}

/** A small organisation for campaign tests: people, one application, resources and grants. */
export interface CampaignOrg {
  tag: string;
  applicationKey: string;
  applicationId: number;
  /** Identity ids by role. */
  owner: number;
  reviewer: number;
  admin: number;
  emails: { owner: string; reviewer: string; admin: string };
  /** Subjects with one account each; every account has a grant of every resource. */
  subjects: number[];
  resources: { id: number; name: string }[];
  grants: number;
}

/**
 * Inserts an owner (also the application's owner), a reviewer (the subjects' manager), an
 * admin, `people` subjects with one
 * account each, and `resources` resources that every account holds, under a unique tag.
 * `names` gives subjects custom display names (for example ones starting with `=`).
 */
export async function seedCampaignOrg(
  orm: MikroORM,
  options: { people: number; resources: number; names?: string[] },
): Promise<CampaignOrg> {
  const tag = randomBytes(4).toString('hex');
  const db = orm.em.fork().getConnection();
  const person = async (name: string, managerId: number | null = null) => {
    const email = `${name}-${tag}@example.test`;
    const [row] = await db.execute<{ id: number }[]>(
      `insert into identity (external_key, email, display_name, manager_id, department)
       values (?, ?, ?, ?, 'Finance') returning id`,
      [email, email, `${name} ${tag}`, managerId],
    );
    return { id: row!.id, email };
  };
  const owner = await person('owner');
  const reviewer = await person('reviewer');
  const admin = await person('admin');
  const [app] = await db.execute<{ id: number }[]>(
    `insert into application (key, name, risk_level) values (?, ?, 'high') returning id`,
    [`app-${tag}`, `App ${tag}`],
  );
  await db.execute('insert into application_owner (application_id, identity_id) values (?, ?)', [
    app!.id,
    owner.id,
  ]);
  const resources: CampaignOrg['resources'] = [];
  for (let r = 0; r < options.resources; r++) {
    const name = `Role ${r} ${tag}`;
    const [row] = await db.execute<{ id: number }[]>(
      `insert into resource (application_id, external_id, display_name, resource_type, risk_level)
       values (?, ?, ?, 'role', 'high') returning id`,
      [app!.id, `role-${r}-${tag}`, name],
    );
    resources.push({ id: row!.id, name });
  }
  const subjects: number[] = [];
  for (let s = 0; s < options.people; s++) {
    const email = `subject${s}-${tag}@example.test`;
    const [identity] = await db.execute<{ id: number }[]>(
      `insert into identity (external_key, email, display_name, manager_id, department)
       values (?, ?, ?, ?, 'Finance') returning id`,
      [email, email, options.names?.[s] ?? `Subject ${s} ${tag}`, reviewer.id],
    );
    subjects.push(identity!.id);
    const [account] = await db.execute<{ id: number }[]>(
      `insert into account (application_id, external_id, login, email, display_name, identity_id)
       values (?, ?, ?, ?, ?, ?) returning id`,
      [app!.id, `user-${s}-${tag}`, `subject${s}-${tag}`, email, `Subject ${s}`, identity!.id],
    );
    for (const resource of resources) {
      await db.execute(
        `insert into "grant" (application_id, resource_id, principal_type, account_id, external_id)
         values (?, ?, 'account', ?, ?)`,
        [app!.id, resource.id, account!.id, `grant-${s}-${resource.id}`],
      );
    }
  }
  return {
    tag,
    applicationKey: `app-${tag}`,
    applicationId: app!.id,
    owner: owner.id,
    reviewer: reviewer.id,
    admin: admin.id,
    emails: { owner: owner.email, reviewer: reviewer.email, admin: admin.email },
    subjects,
    resources,
    grants: options.people * options.resources,
  };
}

/** Publishes a one-step manager-review policy and creates a previewed campaign over `org`. */
export async function previewedCampaign(
  orm: MikroORM,
  org: CampaignOrg,
  overrides: Partial<CampaignDefinitionInput> = {},
  stepOverrides: Partial<PolicyStep> = {},
): Promise<number> {
  const policy = await publishPolicy(orm, {
    steps: [step(stepOverrides)],
    revocation: { mode: 'manual' },
  });
  const em = orm.em.fork();
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: `Campaign ${org.tag}`,
      instructions: 'Check each grant.',
      policy: policy.name,
      owner: org.emails.owner,
      admins: [org.emails.admin],
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      scope: { applications: [org.applicationKey] },
      ...overrides,
    }),
    'test',
  );
  await takeSnapshot(em, campaign.id);
  return campaign.id;
}

/** Launches a campaign on the test's task queue with small batches, as a CLI user. */
export function launchSmall(client: Client, orm: MikroORM, campaignId: number, taskQueue: string) {
  return launchCampaign(client, orm, campaignId, {
    actor: 'cli:test',
    taskQueue,
    launch: { concurrency: 4, batchSize: 4, heartbeatTimeoutMs: 10_000, maxUnopened: 8 },
    close: { concurrency: 4, batchSize: 4, heartbeatTimeoutMs: 10_000 },
  });
}

/** Lists a campaign's task ids in launch order, from its snapshot. */
export async function campaignTaskIds(orm: MikroORM, campaignId: number): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ task_id: string }[]>(
      'select task_id from campaign_grant where campaign_id = ? order by seq',
      [campaignId],
    );
  return rows.map((row) => row.task_id);
}

/** Counts a campaign's projection rows, optionally of one status. */
export async function taskCount(orm: MikroORM, campaignId: number, status?: string) {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>(
      `select count(*) as n from review_task where campaign_id = ?${status ? ' and status = ?' : ''}`,
      status ? [campaignId, status] : [campaignId],
    );
  return Number(row?.n ?? 0);
}

/** Reads a campaign's status from its row. */
export async function campaignStatus(orm: MikroORM, campaignId: number): Promise<string> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ status: string }[]>('select status from campaign where id = ?', [campaignId]);
  return row!.status;
}

/** Waits until every snapshot task has a projection row and the campaign is active. */
export async function waitUntilLaunched(
  orm: MikroORM,
  campaignId: number,
  total: number,
  timeoutMs = 120_000,
) {
  await eventually(
    async () => ({
      tasks: await taskCount(orm, campaignId),
      status: await campaignStatus(orm, campaignId),
    }),
    (value) => value.tasks === total && value.status === 'active',
    { timeoutMs, intervalMs: 250, what: `campaign ${campaignId} to open ${total} tasks` },
  );
}

/**
 * Starts test/support/worker-process.ts in a child process on the run's Temporal server and
 * resolves once it polls; the caller kills it (SIGKILL to simulate a crash).
 */
export function startWorkerProcess(settings: {
  taskQueue: string;
  databaseUrl: string;
  maxCachedWorkflows: number;
  temporalAddress?: string;
}): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../support/worker-process.ts', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: settings.temporalAddress ?? inject('temporalAddress'),
        TASK_QUEUE: settings.taskQueue,
        DATABASE_URL: settings.databaseUrl,
        WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        MAX_CACHED_WORKFLOWS: String(settings.maxCachedWorkflows),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
  });
}

/** Kills a child process with SIGKILL and waits until it has exited. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
