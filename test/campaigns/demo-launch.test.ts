// A campaign over every user grant of the real Baton file demo-1k-users.expanded.c1z: preview,
// a launch whose worker is killed with SIGKILL part-way and restarted, progress and evidence.
// The launch starts 12,441 workflows, so this file takes minutes.
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { campaignWorkflowId, createCampaign } from '../../db/campaigns/campaign-repository.js';
import { parseCampaignDefinition } from '../../db/campaigns/campaign-schema.js';
import type { EvidenceManifest } from '../../db/campaigns/evidence.js';
import { previewCampaign } from '../../db/campaigns/preview.js';
import { campaignProgress } from '../../db/campaigns/progress.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import { importFile } from '../../db/import/index.js';
import { PolicyRepository } from '../../db/policy-repository.js';
import { exportEvidence, launchCampaign } from '../../runtime/campaign-client.js';
import { sendTaskAction } from '../../runtime/task-client.js';
import { useTestDatabase } from '../support/database.js';
import { dataFile } from '../import/support.js';
import { eventually, uniqueId } from '../support/temporal.js';
import {
  killHard,
  spreadCampaignIds,
  startWorkerProcess,
  taskCount,
  waitUntilLaunched,
} from './support.js';

const TOTAL = 12_441;
const db = useTestDatabase();
const taskQueue = uniqueId('campaign-demo');
const workers: ChildProcess[] = [];
let client: Client;
let campaignId: number;
let reviewers: { id: number; email: string }[];

async function sql<T extends object[]>(text: string, params: unknown[] = []): Promise<T> {
  return db.orm.em.fork().getConnection().execute<T>(text, params);
}

async function worker() {
  const child = await startWorkerProcess({
    taskQueue,
    databaseUrl: db.url,
    maxCachedWorkflows: 500,
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  client = new Client({
    connection: await Connection.connect({ address: inject('temporalAddress') }),
  });
  await spreadCampaignIds(db.orm);
  await importFile(db.orm, dataFile('baton-c1z/demo-1k-users.expanded.c1z'), { actor: 'test' });
  const em = db.orm.em.fork();
  const name = `demo-review-${randomBytes(3).toString('hex')}`;
  await new PolicyRepository(em).publish(
    {
      name,
      steps: [
        {
          name: 'Manager review',
          reviewer: { kind: 'manager' },
          // Baton users have no managers, so the fallback reviewers take every grant.
          fallbackReviewerEmails: ['user-0@example.com', 'user-1@example.com'],
          due: '14d',
          commentRequired: { certify: false, remove: false },
          allowSelfReview: false,
        },
      ],
      revocation: { mode: 'manual' },
    },
    'test',
  );
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: 'All user grants',
      policy: name,
      owner: 'user-2@example.com',
      dueAt: new Date(Date.now() + 30 * 86_400_000),
    }),
    'test',
  );
  campaignId = campaign.id;
  await takeSnapshot(em, campaignId);
  reviewers = await sql<{ id: number; email: string }[]>(
    `select id, email from identity where email in ('user-0@example.com', 'user-1@example.com') order by id`,
  );
});

afterAll(async () => {
  for (const child of workers) await killHard(child);
  await client?.connection.close();
});

/**
 * Launches the campaign once per file, killing the first worker with SIGKILL after 2,000 tasks
 * are open and starting a second one. Tests call it instead of relying on each other's order.
 */
let launching: Promise<{ openAtKill: number }> | undefined;
function launched() {
  launching ??= (async () => {
    const first = await worker();
    await launchCampaign(client, db.orm, campaignId, {
      actor: 'cli:test',
      taskQueue,
      launch: { heartbeatTimeoutMs: 10_000, maxUnopened: 200 },
    });
    await eventually(
      () => taskCount(db.orm, campaignId),
      (count) => count >= 2_000,
      { timeoutMs: 10 * 60_000, intervalMs: 250, what: '2,000 tasks open before the kill' },
    );
    await killHard(first);
    const openAtKill = await taskCount(db.orm, campaignId);

    await worker();
    await waitUntilLaunched(db.orm, campaignId, TOTAL, 35 * 60_000);

    return { openAtKill };
  })();
  return launching;
}

describe('campaign over demo-1k-users', () => {
  it('previews every user grant with its reviewers', async () => {
    const em = db.orm.em.fork();
    const again = await takeSnapshot(em, campaignId);
    expect(again).toMatchObject({ written: false, grants: TOTAL });

    const preview = await previewCampaign(em, campaignId);
    expect(preview).toMatchObject({
      total: TOTAL,
      direct: 2_500,
      inherited: 9_941,
      accountGrants: TOTAL,
      groupGrants: 0,
      viaFallback: TOTAL,
      unassigned: 0,
      resourceCount: 342,
      reviewerCount: 2,
    });
    expect(preview.byApplication).toEqual([
      expect.objectContaining({ name: 'demo-1k-users', grants: TOTAL }),
    ]);
    // Each fallback reviewer takes every grant except their own.
    const [user0Grants] = await sql<{ n: string }[]>(
      `select count(*) as n from "grant" g join account a on a.id = g.account_id
        where a.identity_id = ? and g.principal_type = 'account'`,
      [reviewers[0]!.id],
    );
    expect(preview.byReviewer.find((row) => row.id === reviewers[0]!.id)?.grants).toBe(
      TOTAL - Number(user0Grants!.n),
    );
  });

  it(
    'launches exactly 12,441 tasks though its worker is killed part-way',
    { timeout: 40 * 60_000 },
    async () => {
      const { openAtKill } = await launched();
      expect(openAtKill).toBeLessThan(TOTAL);

      const [counts] = await sql<{ tasks: string; grants: string; started: number }[]>(
        `select count(*) as tasks, count(distinct grant_id) as grants,
                (select tasks_started from campaign where id = ?) as started
           from review_task where campaign_id = ?`,
        [campaignId, campaignId],
      );
      expect(Number(counts!.tasks)).toBe(TOTAL);
      expect(Number(counts!.grants)).toBe(TOTAL);
      expect(counts!.started).toBe(TOTAL);
      await eventually(
        () =>
          client.workflow.count(
            `WorkflowType = 'reviewTaskWorkflow' AND RecertCampaignId = '${campaignId}'`,
          ),
        (result) => result.count === TOTAL,
        { timeoutMs: 60_000, what: `${TOTAL} review task workflows in Temporal` },
      );

      // The launch activity was retried after the kill and resumed from its heartbeat.
      const history = await client.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .fetchHistory();
      const attempts = (history.events ?? [])
        .filter((event) => event.activityTaskStartedEventAttributes)
        .map((event) => event.activityTaskStartedEventAttributes!.attempt ?? 1);
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      // Starting 12,441 tasks from one activity leaves the campaign's history a few events long.
      expect(history.events!.length).toBeLessThan(40);

      const digests = await sql<{ recipient_identity_id: number }[]>(
        `select recipient_identity_id from outbox_message where idempotency_key like ? order by 1`,
        [`campaign:${campaignId}:launch-digest:%`],
      );
      expect(digests.map((row) => row.recipient_identity_id)).toEqual(reviewers.map((r) => r.id));
    },
  );

  it('shows progress and exports evidence that checks out', { timeout: 40 * 60_000 }, async () => {
    await launched();
    const decided = await sql<{ id: string }[]>(
      `select id from review_task where campaign_id = ? and assignee_ids @> ?::jsonb
        order by id limit 20`,
      [campaignId, JSON.stringify([reviewers[1]!.id])],
    );
    for (const [index, task] of decided.entries()) {
      const outcome = await sendTaskAction(
        client,
        db.orm,
        task.id,
        { type: index % 4 === 0 ? 'remove' : 'certify', actorId: reviewers[1]!.id },
        { requestId: `decide-${task.id}`, actor: { label: 'test' } },
      );
      expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    }
    const progress = await eventually(
      () => campaignProgress(db.orm.em.fork(), campaignId),
      (value) => value.byStatus.certified === 15 && value.byStatus.removed === 5,
      { what: '20 decisions in the projection' },
    );
    expect(progress).toMatchObject({ total: TOTAL, opened: TOTAL, overdue: 0 });
    expect(progress.byStatus.open).toBe(TOTAL - 20);
    expect(progress.byApplication).toEqual([
      expect.objectContaining({
        applicationName: 'demo-1k-users',
        open: TOTAL - 20,
        certified: 15,
      }),
    ]);
    expect(progress.byReviewer.find((row) => row.identityId === reviewers[1]!.id)?.decided).toBe(
      20,
    );
    expect(progress.burndown[0]?.remaining).toBe(TOTAL);
    expect(progress.burndown.at(-1)?.remaining).toBe(TOTAL - 20);

    const folder = await mkdtemp(join(tmpdir(), 'recert-demo-evidence-'));
    const result = await exportEvidence(db.orm, campaignId, folder, 'cli:test');
    const manifest = JSON.parse(
      await readFile(join(folder, `campaign-${campaignId}-manifest.json`), 'utf8'),
    ) as EvidenceManifest;
    const [importRun] = await sql<{ sha256: string; sync_id: string }[]>(
      'select sha256, sync_id from import_run order by id desc limit 1',
    );
    expect(manifest.sourceImports).toEqual([
      expect.objectContaining({
        applicationKey: 'demo-1k-users',
        sha256: importRun!.sha256,
        syncId: importRun!.sync_id,
      }),
    ]);
    expect(manifest.counts).toMatchObject({
      snapshotGrants: TOTAL,
      tasks: TOTAL,
      byFinalOutcome: { open: TOTAL - 20, certified: 15, removed: 5 },
    });
    const [tasksFile, logFile] = manifest.files;
    expect(tasksFile!.rows).toBe(TOTAL);
    for (const file of manifest.files) {
      const bytes = await readFile(join(folder, file.name));
      expect(createHash('sha256').update(bytes).digest('hex'), file.name).toBe(file.sha256);
    }
    const rows = parse(await readFile(join(folder, tasksFile!.name)), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.length).toBe(TOTAL);
    expect(new Set(rows.map((row) => row.task_id)).size).toBe(TOTAL);
    expect(rows.filter((row) => row.step_1_decision === 'remove').length).toBe(5);
    const logRows = parse(await readFile(join(folder, logFile!.name)), { columns: true });
    expect(logRows.length).toBe(logFile!.rows);
    expect(result.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
