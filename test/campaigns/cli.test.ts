import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { recert } from '../support/cli.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { seedCampaignOrg, spreadCampaignIds } from './support.js';

const { db, temporal } = useReviewHarness();
let folder: string;

function env() {
  return {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
  };
}

async function run(args: string[]) {
  return recert(['campaign', ...args], env());
}

beforeAll(async () => {
  await spreadCampaignIds(db.orm);
  folder = await mkdtemp(join(tmpdir(), 'recert-campaign-cli-'));
});

describe('recert campaign', () => {
  it('names each invalid field of a campaign file', async () => {
    const file = join(folder, 'broken.yaml');
    await writeFile(
      file,
      [
        'name: Broken',
        'policy: p',
        'owner: nobody',
        'dueAt: soon',
        'scope:',
        '  grantKind: all',
      ].join('\n'),
    );
    const result = await run(['create', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Invalid campaign from ${file}:`);
    expect(result.stderr).toContain('owner: expected an email address');
    expect(result.stderr).toContain('dueAt: expected a date');
    expect(result.stderr).toContain('scope.grantKind: expected direct, inherited or both');
  });

  it('asks for a campaign id', async () => {
    const result = await run(['status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Name the campaign by its id');
  });

  it('counts grants before launch as not started', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 3, resources: 2 });
    const policy = await publishPolicy(db.orm, {
      steps: [step()],
      revocation: { mode: 'manual' },
    });
    const created = await run([
      'create',
      '--name',
      `Status ${org.tag}`,
      '--policy',
      policy.name,
      '--owner',
      org.emails.owner,
      '--due',
      new Date(Date.now() + 7 * 86_400_000).toISOString(),
      '--application',
      org.applicationKey,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = String((JSON.parse(created.stdout) as { id: number }).id);
    const preview = await run(['preview', id, '--json']);
    expect(preview.code, preview.stderr).toBe(0);

    const status = await run(['status', id]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('Tasks: 0 of 6 started; 0 open,');
    expect(status.stdout).toContain(
      'Per application (not started / open / certified / removed / expired):',
    );
    expect(status.stdout).toContain(`  App ${org.tag}: 6 / 0 / 0 / 0 / 0`);
  });

  it(
    'creates, previews, launches, closes and exports a campaign',
    { timeout: 180_000 },
    async () => {
      const org = await seedCampaignOrg(db.orm, { people: 3, resources: 2 });
      const policy = await publishPolicy(db.orm, {
        steps: [step()],
        revocation: { mode: 'manual' },
      });
      const file = join(folder, `${org.tag}.yaml`);
      await writeFile(
        file,
        [
          `name: CLI ${org.tag}`,
          `policy: ${policy.name}`,
          `owner: ${org.emails.owner}`,
          `dueAt: ${new Date(Date.now() + 7 * 86_400_000).toISOString()}`,
          'instructions: |',
          '  Check *each* grant.',
        ].join('\n'),
      );
      const created = await run([
        'create',
        '--file',
        file,
        '--application',
        org.applicationKey,
        '--no-response',
        'certify',
        '--json',
      ]);
      expect(created.stderr).toBe('');
      const campaign = JSON.parse(created.stdout) as { id: number; noResponseRule: string };
      expect(campaign.noResponseRule).toBe('certify');
      const id = String(campaign.id);

      const preview = await run(['preview', id, '--json']);
      expect(JSON.parse(preview.stdout)).toMatchObject({
        total: 6,
        viaRule: 6,
        snapshotWritten: true,
        byReviewer: [expect.objectContaining({ id: org.reviewer, grants: 6 })],
      });

      const launch = await run(['launch', id, '--json']);
      expect(launch.code, launch.stderr).toBe(0);
      expect(JSON.parse(launch.stdout)).toMatchObject({ tasks: 6, total: 6, status: 'active' });

      const status = await run(['status', id, '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({
        total: 6,
        opened: 6,
        byStatus: { open: 6 },
        run: { state: { phase: 'active' } },
      });

      const dryRun = await run(['close', id, '--dry-run', '--list', '--json']);
      const plan = JSON.parse(dryRun.stdout) as { certify: number; tasks: { outcome: string }[] };
      expect(plan.certify).toBe(6);
      expect(plan.tasks.map((task) => task.outcome)).toEqual(Array(6).fill('certify'));
      const unconfirmed = await run(['close', id]);
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.stdout).toContain('add --yes to close');

      const close = await run(['close', id, '--yes', '--json']);
      expect(close.code, close.stderr).toBe(0);
      expect(JSON.parse(close.stdout)).toMatchObject({ byStatus: { certified: 6, open: 0 } });

      const out = join(folder, `evidence-${id}`);
      const exported = await run(['export', id, '--out', out, '--json']);
      expect(JSON.parse(exported.stdout)).toMatchObject({
        counts: { snapshotGrants: 6, byFinalOutcome: { certified: 6 } },
        files: [
          expect.objectContaining({ rows: 6 }),
          expect.any(Object),
          expect.objectContaining({ name: `campaign-${id}-connector-calls.csv`, rows: 0 }),
        ],
      });

      // A second export into the same folder would replace evidence already handed over.
      const again = await run(['export', id, '--out', out]);
      expect(again.stderr).toContain(`campaign-${id}-manifest.json already exists`);
      expect(again.code).toBe(2);
      const replaced = await run(['export', id, '--out', out, '--overwrite']);
      expect(replaced.code, replaced.stderr).toBe(0);

      // Every step that fixed the campaign's scope or outcome is attributed in the audit log.
      const audit = await db.orm.em
        .fork()
        .getConnection()
        .execute<{ action: string }[]>(
          `select action from audit_event where target_type = 'campaign' and target_id = ? order by id`,
          [id],
        );
      expect(audit.map((row) => row.action)).toEqual(
        expect.arrayContaining([
          'campaign.create',
          'campaign.snapshot',
          'campaign.launch',
          'campaign.close',
          'campaign.export',
        ]),
      );
      expect(audit[0]!.action).toBe('campaign.create');

      const relaunch = await run(['launch', id]);
      expect(relaunch.code).toBe(1);
      expect(relaunch.stderr).toContain('is closed; it cannot be launched');
    },
  );
});
