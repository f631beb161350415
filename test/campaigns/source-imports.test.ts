import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../db/campaigns/campaign-repository.js';
import { parseCampaignDefinition } from '../../db/campaigns/campaign-schema.js';
import type { EvidenceManifest } from '../../db/campaigns/evidence.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import type { CampaignSourceImport } from '../../db/entities/campaign.entity.js';
import { importFile, type ImportSummary } from '../../db/import/index.js';
import { exportEvidence } from '../../runtime/campaign-client.js';
import { useTestDatabase } from '../support/database.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { tempFile } from '../import/support.js';

const db = useTestDatabase();
const OWNER = 'owner@source-imports.example';
let policyName: string;

const TWO_APPLICATIONS =
  'application,account_id,account_email,resource_id,resource_name\n' +
  'crm,u1,ann@source-imports.example,sales,Sales\n' +
  'crm,u2,bob@source-imports.example,sales,Sales\n' +
  'payroll,u1,ann@source-imports.example,approver,Approver\n';

beforeAll(async () => {
  await db.orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into identity (external_key, email, display_name) values (?, ?, 'Campaign Owner')`,
      [OWNER, OWNER],
    );
  const policy = await publishPolicy(db.orm, {
    steps: [step({ reviewer: { kind: 'identities', emails: [OWNER] } })],
    revocation: { mode: 'manual' },
  });
  policyName = policy.name;
});

/** Imports `content` as a CSV file and returns the summary and the file's sha256. */
async function importCsv(name: string, content: string) {
  const file = await tempFile(name, content);
  const summary: ImportSummary = await importFile(db.orm, file, { actor: 'test' });
  const sha256 = createHash('sha256').update(content).digest('hex');
  return { file, summary, sha256 };
}

/** Creates and snapshots a campaign over `applications` and returns its id. */
async function snapshotCampaign(applications: string[]): Promise<number> {
  const em = db.orm.em.fork();
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: `Check ${applications.join(' and ')}`,
      policy: policyName,
      owner: OWNER,
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      scope: { applications },
    }),
    'test',
  );
  await takeSnapshot(em, campaign.id);
  return campaign.id;
}

/** Exports a campaign's evidence and returns the manifest and the rows of tasks.csv. */
async function exported(campaignId: number) {
  const folder = await mkdtemp(join(tmpdir(), 'recert-source-imports-'));
  await exportEvidence(db.orm, campaignId, folder, 'cli:test');
  const manifest = JSON.parse(
    await readFile(join(folder, `campaign-${campaignId}-manifest.json`), 'utf8'),
  ) as EvidenceManifest;
  const tasks = parse(await readFile(join(folder, `campaign-${campaignId}-tasks.csv`)), {
    columns: true,
  }) as Record<string, string>[];
  return { manifest, tasks };
}

/** Creates and snapshots a campaign over `applications`, exports it and returns `sourceImports`. */
async function exportedSourceImports(applications: string[]): Promise<CampaignSourceImport[]> {
  const { manifest } = await exported(await snapshotCampaign(applications));
  return manifest.sourceImports;
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Builds a SCIM directory of a manager and one report, giving the manager `managerTitle`. */
function directory(managerTitle: string): string {
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: 2,
    Resources: [
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: 'm1',
        userName: 'mia',
        displayName: 'Mia Manager',
        title: managerTitle,
        emails: [{ value: 'mia@source-imports.example', primary: true }],
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
        id: 'u1',
        userName: 'ursula',
        displayName: 'Ursula User',
        emails: [{ value: 'ursula@source-imports.example', primary: true }],
        [ENTERPRISE]: { manager: { value: 'm1' } },
      },
    ],
  });
}

describe('evidence sourceImports', () => {
  it('cites a two-application file for each application', async () => {
    const both = await importCsv('two.csv', TWO_APPLICATIONS);
    expect(both.summary.applications).toEqual(['crm', 'payroll']);
    const runId = both.summary.importRunId;
    expect(runId).toBeTypeOf('number');

    for (const applicationKey of ['crm', 'payroll']) {
      expect(await exportedSourceImports([applicationKey]), applicationKey).toEqual([
        {
          importRunId: runId,
          applicationKey,
          sourceFile: both.file,
          sha256: both.sha256,
          format: 'csv',
          syncId: null,
          finishedAt: expect.any(String),
        },
      ]);
    }

    const together = await exportedSourceImports(['crm', 'payroll']);
    expect(together.map((entry) => entry.applicationKey)).toEqual(['crm', 'payroll']);
    expect(together.map((entry) => entry.importRunId)).toEqual([runId, runId]);
  });

  it('moves only the reimported application to the newer run', async () => {
    const both = await importCsv('both.csv', TWO_APPLICATIONS);
    const crmOnly = await importCsv(
      'crm.csv',
      'application,account_id,account_email,resource_id,resource_name\n' +
        'crm,u1,ann@source-imports.example,sales,Sales\n',
    );
    expect(crmOnly.summary.applications).toEqual(['crm']);
    expect(crmOnly.summary.importRunId).not.toBe(both.summary.importRunId);

    const [crm] = await exportedSourceImports(['crm']);
    expect(crm?.importRunId).toBe(crmOnly.summary.importRunId);
    expect(crm?.sha256).toBe(crmOnly.sha256);
    expect(crm?.sourceFile).toBe(crmOnly.file);

    const [payroll] = await exportedSourceImports(['payroll']);
    expect(payroll?.importRunId).toBe(both.summary.importRunId);
    expect(payroll?.sha256).toBe(both.sha256);
  });
});

describe('evidence identityImports', () => {
  it('cites the directory current at the snapshot', async () => {
    await importCsv('people.scim.json', directory('Manager'));
    const current = await importCsv('people.scim.json', directory('Head of Finance'));
    expect(current.summary.identities).toBe(2);
    const erp = await importCsv(
      'erp.csv',
      'application,account_login,account_email,account_name,resource_id,resource_name\n' +
        'erp,ursula,ursula@source-imports.example,Ursula U. (ERP),ap-clerk,AP Clerk\n',
    );
    const campaignId = await snapshotCampaign(['erp']);
    // A directory imported after the snapshot decided no reviewer of this campaign.
    await importCsv('people.scim.json', directory('CFO'));

    const { manifest } = await exported(campaignId);
    expect(manifest.identityImports).toEqual([
      {
        importRunId: current.summary.importRunId,
        applicationKey: 'people',
        sourceFile: current.file,
        sha256: current.sha256,
        format: 'scim',
        syncId: null,
        finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        identities: 2,
      },
    ]);
    expect(manifest.sourceImports.map((entry) => entry.importRunId)).toEqual([
      erp.summary.importRunId,
    ]);
  });

  it('is empty before the snapshot', async () => {
    const em = db.orm.em.fork();
    const campaign = await createCampaign(
      em,
      parseCampaignDefinition({
        name: 'Not previewed',
        policy: policyName,
        owner: OWNER,
        dueAt: new Date(Date.now() + 14 * 86_400_000),
        scope: { applications: ['erp'] },
      }),
      'test',
    );

    const { manifest } = await exported(campaign.id);
    expect(manifest.identityImports).toEqual([]);
  });
});

describe('evidence tasks.csv', () => {
  it('names the account by its display name', async () => {
    await importCsv('people.scim.json', directory('Manager'));
    await importCsv(
      'erp.csv',
      'application,account_login,account_email,account_name,resource_id,resource_name\n' +
        'erp,ursula,ursula@source-imports.example,Ursula U. (ERP),ap-clerk,AP Clerk\n',
    );
    const { tasks } = await exported(await snapshotCampaign(['erp']));

    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.account_external_id).toBe('ursula');
    expect(tasks[0]!.account_name).toBe('Ursula U. (ERP)');
    expect(tasks[0]!.subject_name).toBe('Ursula User');
  });

  it('joins recommendation reasons without doubled periods', async () => {
    await importCsv('people.scim.json', directory('Manager'));
    await importCsv(
      'erp.csv',
      'application,account_login,account_email,account_name,resource_id,resource_name\n' +
        'erp,ursula,ursula@source-imports.example,Ursula U. (ERP),ap-clerk,AP Clerk\n',
    );
    const campaignId = await snapshotCampaign(['erp']);
    const connection = db.orm.em.fork().getConnection();
    const [grant] = await connection.execute<{ task_id: string }[]>(
      'select task_id from campaign_grant where campaign_id = ?',
      [campaignId],
    );
    // The decision a review task records: what the reviewer was shown, reasons included.
    const reasons = [
      'The directory marks the person as inactive.',
      'Unused for 120 days (last login 2025-01-02); the limit is 90 days.',
      'A reason without a period',
    ];
    await connection.execute(
      `insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name,
                               policy_version, data)
       values (?, 1, 'removed', null, now(), 0, ?, 1, ?)`,
      [
        grant!.task_id,
        policyName,
        JSON.stringify({
          shown: { recommendation: { kind: 'remove', reasons } },
          recommendationOutcome: 'followed',
        }),
      ],
    );

    const { tasks } = await exported(campaignId);
    expect(tasks[0]!.recommendation_shown).toBe('remove');
    expect(tasks[0]!.recommendation_reasons).toBe(
      'The directory marks the person as inactive; ' +
        'Unused for 120 days (last login 2025-01-02); the limit is 90 days; ' +
        'A reason without a period',
    );
  });
});
