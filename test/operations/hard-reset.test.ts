import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { certifyUpdate, getTaskQuery } from '../../workflows/messages.js';
import { recert } from '../support/cli.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const { db, temporal, start, until } = useReviewHarness();

describe('batch hard reset', () => {
  it(
    'moves open tasks to the new version and leaves closed ones alone',
    { timeout: 180_000 },
    async () => {
      const org = await seedOrganisation(db.orm);
      const campaignId = 9000 + Math.floor(Math.random() * 1000);
      const v1 = await publishPolicy(db.orm, {
        steps: [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
        revocation: { mode: 'manual' },
      });
      const handles = await Promise.all(
        [0, 1, 2, 3].map(() => start(taskInput(org, v1, { campaignId }))),
      );
      for (const handle of handles)
        await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
      // One task is decided before the change, one is part-way through.
      await handles[0]!.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
      await until(handles[0]!, (s) => s.stepIndex === 1 && s.assigneeIds.length > 0, 'step 2');
      await handles[0]!.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.appOwner }] });
      await handles[0]!.result();
      await handles[1]!.executeUpdate(certifyUpdate, {
        args: [{ actorId: org.ids.manager, comment: 'step one done' }],
      });
      await until(handles[1]!, (s) => s.stepIndex === 1 && s.assigneeIds.length > 0, 'step 2');

      const v2 = await publishPolicy(db.orm, {
        name: v1.name,
        steps: [step({ name: 'Owner only', reviewer: { kind: 'application_owner' } })],
        revocation: { mode: 'manual' },
      });
      const env = {
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        RECERT_SUPER_ADMINS: org.emails.superAdmin,
        RECERT_DATA_DIR: await mkdtemp(join(tmpdir(), 'recert-batch-')),
      };
      const args = [
        'tasks',
        'hard-reset',
        '--policy',
        v1.name,
        '--campaign',
        String(campaignId),
        '--as',
        org.emails.superAdmin,
      ];

      // Visibility lags; the dry run must eventually list exactly the three open tasks.
      const dryRun = await eventually(
        async () =>
          JSON.parse((await recert([...args, '--dry-run', '--json'], env)).stdout || '{}') as {
            tasks?: string[];
          },
        (out) => out.tasks?.length === 3,
        { what: 'the dry run to list three tasks', timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(dryRun.tasks!.sort()).toEqual(
        handles
          .slice(1)
          .map((h) => h.workflowId)
          .sort(),
      );
      expect((await handles[1]!.query(getTaskQuery)).policy.version).toBe(1);

      const done = await recert([...args, '--json'], env);
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ applied: 3, rejected: [] });

      for (const handle of handles.slice(1)) {
        const state = await until(
          handle,
          (s) => s.policy.version === v2.version && s.assigneeIds.includes(org.ids.appOwner),
          'the v2 first step',
        );
        expect(state.stepIndex).toBe(0);
        expect(state.log.some((e) => e.type === 'hard_reset')).toBe(true);
      }
      const partWay = await handles[1]!.query(getTaskQuery);
      expect(partWay.log.find((e) => e.type === 'certified')?.comment).toBe('step one done');
      const closed = await handles[0]!.query(getTaskQuery);
      expect(closed.policy.version).toBe(1);
      expect(closed.status).toBe('certified');

      // Rerunning the command finds nothing left on v1 and resets nothing twice.
      const again = await eventually(
        async () =>
          JSON.parse((await recert([...args, '--json'], env)).stdout || '{}') as {
            applied?: number;
          },
        (out) => out.applied === 0,
        { what: 'visibility to show the tasks on v2', timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(again.applied).toBe(0);
      const resets = (await handles[2]!.query(getTaskQuery)).log.filter(
        (e) => e.type === 'hard_reset',
      );
      expect(resets).toHaveLength(1);
    },
  );

  it('refuses a caller who is not a super admin', async () => {
    const org = await seedOrganisation(db.orm);
    const result = await recert(
      [
        'tasks',
        'cancel',
        '--query',
        'RecertCampaignId = "1"',
        '--reason',
        'duplicate',
        '--as',
        org.emails.manager,
      ],
      {
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        RECERT_SUPER_ADMINS: org.emails.superAdmin,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a super admin');
  });
});

describe('a partly rejected batch', () => {
  it('exits 1 and explains the rejection', { timeout: 120_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const campaignId = 80000 + Math.floor(Math.random() * 10000);
    const handle = await start(taskInput(org, policy, { campaignId }));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    // A super admin by configuration now, but not one of the task's super admins at start.
    const env = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      RECERT_SUPER_ADMINS: org.emails.campaignAdmin,
      RECERT_DATA_DIR: await mkdtemp(join(tmpdir(), 'recert-batch-')),
    };
    const args = [
      'tasks',
      'cancel',
      '--query',
      `RecertCampaignId = "${campaignId}"`,
      '--reason',
      'duplicate',
    ];
    await eventually(
      async () => recert([...args, '--as', org.emails.campaignAdmin, '--dry-run', '--json'], env),
      (result) => (JSON.parse(result.stdout || '{}') as { tasks?: string[] }).tasks?.length === 1,
      { what: 'the task to be visible', timeoutMs: 60_000, intervalMs: 1_000 },
    );

    const result = await recert([...args, '--as', org.emails.campaignAdmin], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('0 applied, 1 rejected');
    expect(result.stdout).toContain('launched with');
    expect((await handle.query(getTaskQuery)).status).toBe('open');
  });
});

describe('batch cursor', () => {
  it('resumes an interrupted batch without acting twice', async () => {
    const { runBatch, taskActionSender } = await import('../../runtime/batch-actions.js');
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const handles = await Promise.all([0, 1, 2].map(() => start(taskInput(org, policy))));
    for (const handle of handles)
      await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const cursorFile = join(await mkdtemp(join(tmpdir(), 'recert-cursor-')), 'batch.json');
    const ids = handles.map((h) => h.workflowId);
    const common = {
      batchId: 'comment-batch',
      actionName: 'comment',
      send: taskActionSender(
        temporal.client,
        db.orm,
        () => ({ type: 'comment' as const, actorId: org.ids.superAdmin, text: 'batch note' }),
        { label: 'test' },
      ),
      concurrency: 2,
      cursorFile,
    };
    // The first run is "interrupted" after the first task: it only gets one id.
    await runBatch({ ...common, taskIds: ids.slice(0, 1) });
    const results = await runBatch({ ...common, taskIds: ids });
    expect(results).toEqual(ids.map((taskId) => ({ taskId, outcome: 'applied' })));
    for (const handle of handles) {
      const notes = (await handle.query(getTaskQuery)).log.filter(
        (e) => e.comment === 'batch note',
      );
      expect(notes).toHaveLength(1);
    }
  });
});
