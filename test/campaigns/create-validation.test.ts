import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateAndCreateCampaign } from '../../db/campaigns/campaign-repository.js';
import { CampaignDefinitionError } from '../../db/campaigns/campaign-schema.js';
import { recert } from '../support/cli.js';
import { createTestDatabase, useTestDatabase } from '../support/database.js';
import { publishPolicy, step } from '../support/fixtures.js';

const db = useTestDatabase();
const owner = 'owner@create.example';
const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'recert-campaign-create-'));
  const connection = db.orm.em.fork().getConnection();
  await connection.execute(
    `insert into identity (external_key, email, display_name) values (?, ?, 'Owner')`,
    [owner, owner],
  );
  for (const key of ['crm', 'erp', 'github']) {
    await connection.execute(`insert into application (key, name) values (?, ?)`, [key, key]);
  }
  await publishPolicy(db.orm, {
    name: 'quarterly',
    steps: [step()],
    revocation: { mode: 'manual' },
  });
});

async function writeCampaign(name: string, lines: string[]): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, lines.join('\n'));
  return file;
}

function create(args: string[]) {
  return recert(['campaign', 'create', ...args], { DATABASE_URL: db.url });
}

/** Returns the problems validateAndCreateCampaign reports for `raw`, in order. */
async function problems(raw: Record<string, unknown>, orm = db.orm): Promise<string[]> {
  const error = await validateAndCreateCampaign(orm.em.fork(), raw, 'test').catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CampaignDefinitionError);
  return (error as CampaignDefinitionError).problems;
}

describe('campaign create validation', () => {
  it('reports schema and stored-data problems together', async () => {
    const file = await writeCampaign('four-mistakes.yaml', [
      'name: Q1 review',
      'policy: quartely',
      'owner: nobody@create.example',
      'dueAt: 2020-01-31',
      'scope:',
      '  aplications: [erp]',
    ]);
    const result = await create(['--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `Invalid campaign from ${file}:`,
        '  - policy: no policy named "quartely" is published; did you mean quarterly?',
        '  - owner: no active identity has the email nobody@create.example',
        '  - dueAt: 2020-01-31T00:00:00.000Z is in the past; choose a later date',
        '  - scope.aplications: unknown key; did you mean applications?',
        '',
      ].join('\n'),
    );
  });

  it('names file for stored-data problems', async () => {
    const file = await writeCampaign('unknown-application.yaml', [
      'name: Q1 review',
      'policy: quarterly',
      `owner: ${owner}`,
      `dueAt: ${future}`,
      'scope:',
      '  applications: [epr]',
    ]);
    const result = await create(['--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `Invalid campaign from ${file}:`,
        '  - scope.applications.0: no application has the key "epr"; did you mean erp?',
        '',
      ].join('\n'),
    );
  });

  it('reports unknown application and risk', async () => {
    const result = await create([
      '--name',
      'Q1 review',
      '--policy',
      'quarterly',
      '--owner',
      owner,
      '--due',
      future,
      '--application',
      'nope',
      '--risk',
      'severe',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        'Invalid campaign:',
        '  - scope.applications.0: no application has the key "nope"; use one of crm, erp, github',
        '  - scope.riskLevels.0: expected low, medium, high or critical, got "severe"',
        '',
      ].join('\n'),
    );
  });

  it('checks valid entries of invalid lists', async () => {
    expect(
      await problems({
        name: 'Q1 review',
        policy: 'quarterly',
        policyVersion: 5,
        owner,
        admins: ['nobody@create.example', 'not-an-email'],
        dueAt: future,
        scope: { applications: ['', 'GitHub', 'crm'] },
      }),
    ).toEqual([
      'policyVersion: policy "quarterly" has no published version 5',
      'admins.0: no active identity has the email nobody@create.example',
      'admins.1: expected an email address',
      'scope.applications.0: expected a non-empty application key',
      'scope.applications.1: no application has the key "GitHub"; did you mean github?',
    ]);
  });

  it('lists policies without close match', async () => {
    expect(
      await problems({ name: 'Q1 review', policy: 'yearly-sox', owner, dueAt: future }),
    ).toEqual([
      'policy: no policy named "yearly-sox" is published; use one of quarterly, or publish it ' +
        'with recert policy publish',
    ]);
  });

  it('reports application count when many', async () => {
    const connection = db.orm.em.fork().getConnection();
    for (let i = 0; i < 8; i++) {
      await connection.execute(`insert into application (key, name) values (?, ?)`, [
        `extra-${i}`,
        `Extra ${i}`,
      ]);
    }
    const definition = { name: 'Q1 review', policy: 'quarterly', owner, dueAt: future };
    expect(await problems({ ...definition, scope: { applications: ['nope'] } })).toEqual([
      'scope.applications.0: no application has the key "nope"; check it against the 11 ' +
        'imported applications',
    ]);
    expect(await problems({ ...definition, scope: { applications: ['epr'] } })).toEqual([
      'scope.applications.0: no application has the key "epr"; did you mean erp?',
    ]);
  });

  it('says when no application is imported', async () => {
    const empty = await createTestDatabase();
    try {
      expect(
        await problems(
          {
            name: 'Q1 review',
            policy: 'quarterly',
            owner,
            dueAt: future,
            scope: { applications: ['erp'] },
          },
          empty.orm,
        ),
      ).toEqual([
        'policy: no policy named "quarterly" is published; publish it with recert policy publish',
        `owner: no active identity has the email ${owner}`,
        'scope.applications.0: no application has the key "erp", and none is imported yet; ' +
          'import one with recert import',
      ]);
    } finally {
      await empty.drop();
    }
  });
});
