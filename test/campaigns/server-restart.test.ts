// Restarts a Temporal dev server that keeps its state in a SQLite file while a campaign is
// launching and reviewers are deciding, then checks that no task and no decision was lost.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWorkerSinks } from '../../activities/closed-task-sink.js';
import { createActivities } from '../../activities/index.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { startDevServer, type DevServer } from '../../runtime/dev-server.js';
import { logger } from '../../runtime/logger.js';
import { findPortOutsideEphemeralRange } from '../../runtime/ports.js';
import { closeCampaign, launchCampaign } from '../../runtime/campaign-client.js';
import { sendTaskAction } from '../../runtime/task-client.js';
import { getTaskQuery } from '../../workflows/messages.js';
import { useTestDatabase } from '../support/database.js';
import { eventually, uniqueId } from '../support/temporal.js';
import {
  campaignStatus,
  previewedCampaign,
  seedCampaignOrg,
  spreadCampaignIds,
  taskCount,
  waitUntilLaunched,
  type CampaignOrg,
} from './support.js';

const db = useTestDatabase();
const taskQueue = uniqueId('campaign-restart');
let folder: string;
let port: number;
let server: DevServer;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let nativeConnection: NativeConnection | undefined;

function startServer() {
  return startDevServer({
    binary: inject('temporalCliPath'),
    port,
    dbFile: join(folder, 'temporal.db'),
  });
}

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Another helper in this process installed the runtime already.
  }
  await spreadCampaignIds(db.orm);
  folder = await mkdtemp(join(tmpdir(), 'recert-restart-'));
  // The restarted server listens on this port again.
  port = await findPortOutsideEphemeralRange();
  server = await startServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  nativeConnection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      orm: db.orm,
      log: logger,
      notifier: new Notifier(db.orm, loadNotificationConfig({}), logger),
    }),
    sinks: createWorkerSinks({ orm: db.orm, log: logger, connection: nativeConnection }),
    maxCachedWorkflows: 100,
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await nativeConnection?.close();
  await client?.connection.close();
  await server?.stop();
  await rm(folder, { recursive: true, force: true });
});

async function certify(org: CampaignOrg, taskIds: string[]) {
  for (const taskId of taskIds) {
    const outcome = await sendTaskAction(
      client,
      db.orm,
      taskId,
      { type: 'certify', actorId: org.reviewer, comment: `certified ${taskId}` },
      { requestId: `certify-${taskId}`, actor: { label: 'test' } },
    );
    expect(outcome.ok, `${taskId}: ${JSON.stringify(outcome)}`).toBe(true);
  }
}

async function openTaskIds(campaignId: number, limit: number): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from review_task where campaign_id = ? and status = 'open' order by id limit ?`,
      [campaignId, limit],
    );
  return rows.map((row) => row.id);
}

describe('Temporal server restart', () => {
  it('loses no task or decision of a campaign', { timeout: 10 * 60_000 }, async () => {
    const org = await seedCampaignOrg(db.orm, { people: 40, resources: 5 });
    const campaignId = await previewedCampaign(db.orm, org);
    await launchCampaign(client, db.orm, campaignId, {
      actor: 'cli:test',
      taskQueue,
      // Slow enough that the restart lands in the middle of the launch.
      launch: { concurrency: 2, batchSize: 10, heartbeatTimeoutMs: 10_000, maxUnopened: 10 },
      close: { concurrency: 8, batchSize: 50, heartbeatTimeoutMs: 10_000 },
    });
    await eventually(
      () => taskCount(db.orm, campaignId),
      (count) => count >= 30,
      { timeoutMs: 120_000, what: '30 tasks open before the restart' },
    );
    const before = await openTaskIds(campaignId, 5);
    await certify(org, before);

    await server.stop();
    const openWhileDown = await taskCount(db.orm, campaignId);
    server = await startServer();

    await waitUntilLaunched(db.orm, campaignId, org.grants, 5 * 60_000);
    expect(openWhileDown).toBeLessThan(org.grants);
    const after = await openTaskIds(campaignId, 5);
    await certify(org, after);

    for (const taskId of [...before, ...after]) {
      const state = await client.workflow.getHandle(taskId).query(getTaskQuery);
      expect(state.status, taskId).toBe('certified');
      expect(state.log.find((entry) => entry.type === 'certified')?.comment).toBe(
        `certified ${taskId}`,
      );
    }
    await eventually(
      () =>
        client.workflow.count(
          `WorkflowType = 'reviewTaskWorkflow' AND RecertCampaignId = '${campaignId}'`,
        ),
      (result) => result.count === org.grants,
      { what: `${org.grants} review task workflows in Temporal` },
    );

    await closeCampaign(client, db.orm, campaignId, { actorId: null, actor: 'cli:test' });
    await eventually(
      () => campaignStatus(db.orm, campaignId),
      (status) => status === 'closed',
      { timeoutMs: 120_000, what: 'the campaign to close' },
    );
    await eventually(
      async () => ({
        certified: await taskCount(db.orm, campaignId, 'certified'),
        expired: await taskCount(db.orm, campaignId, 'expired'),
      }),
      (counts) => counts.certified === 10 && counts.expired === org.grants - 10,
      { timeoutMs: 60_000, what: 'every task closed' },
    );
    const [events] = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ decisions: string }[]>(
        `select count(*) as decisions from task_event e join campaign_grant cg on cg.task_id = e.task_id
          where cg.campaign_id = ? and e.type = 'certified'`,
        [campaignId],
      );
    expect(Number(events!.decisions)).toBe(10);
  });
});
