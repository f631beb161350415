import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Creates and snapshots a campaign over `applications`, exports it and returns `sourceImports`. */
async function exportedSourceImports(applications: string[]): Promise<CampaignSourceImport[]> {
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
  const folder = await mkdtemp(join(tmpdir(), 'recert-source-imports-'));
  await exportEvidence(db.orm, campaign.id, folder, 'cli:test');
  const manifest = JSON.parse(
    await readFile(join(folder, `campaign-${campaign.id}-manifest.json`), 'utf8'),
  ) as EvidenceManifest;
  return manifest.sourceImports;
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
