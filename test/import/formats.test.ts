import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BadRowsError, importFile, ImportFileError } from '../../db/import/index.js';
import { useTestDatabase } from '../support/database.js';
import { accessSnapshot, applicationCounts, dataFile, tempFile } from './support.js';

const db = useTestDatabase();

function scimList(resources: object[]) {
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: resources.length,
    Resources: resources,
  });
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('baton-file import', () => {
  it('imports the JSON template with inherited grants', async () => {
    const summary = await importFile(db.orm, dataFile('baton-file/template.json'), {
      application: 'bf-json',
      actor: 'test',
    });
    expect(summary).toMatchObject({
      format: 'baton-file',
      accounts: 4,
      identities: 3,
      resources: 11,
      badRows: 0,
    });
    const counts = await applicationCounts(db.orm, 'bf-json');
    expect(counts).toMatchObject({
      accounts: 4,
      resources: 11,
      grants: summary.grants,
      accountsWithIdentity: 3,
    });
    const [service] = await db.orm.em
      .getConnection()
      .execute<{ account_type: string; identity_id: number | null }[]>(
        `select account_type, identity_id from account where external_id = 'svc.account.01' and application_id = (select id from application where key = 'bf-json')`,
      );
    expect(service).toEqual({ account_type: 'service', identity_id: null });
  });

  it('imports the YAML template', async () => {
    const summary = await importFile(db.orm, dataFile('baton-file/template.yaml'), {
      application: 'bf-yaml',
      actor: 'test',
    });
    expect(summary).toMatchObject({ format: 'baton-file', accounts: 4, resources: 11, grants: 34 });
    expect(summary.warnings.map((warning) => warning.location)).toEqual(['$.entitlements[4]']);
  });
});

describe('baton-file bad rows', () => {
  it('suggests the entitlement and date form meant', async () => {
    const file = await tempFile(
      'bad-baton.json',
      JSON.stringify({
        users: [
          { name: 'ann', email: 'ann@bf-bad.example', status: 'active', last_login: '31/12/2025' },
          { name: 'ben', email: 'ben@bf-bad.example', status: 'active' },
        ],
        resources: [{ resource_type: 'role', name: 'admins', display_name: 'Admins' }],
        entitlements: [{ resource_name: 'admins', entitlement: 'member' }],
        grants: [{ principal: 'ben', entitlement_id: 'admins:membr' }],
      }),
    );

    const error = await importFile(db.orm, file, { application: 'bf-bad', actor: 'test' }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(BadRowsError);
    const reasons = (error as BadRowsError).badRows.map((row) => row.reason);
    expect(reasons).toContain(
      'invalid date "31/12/2025"; use ISO 8601 (2025-04-01T09:30:00Z), MM/DD/YYYY or Unix seconds',
    );
    expect(reasons).toContain('unknown entitlement "admins:membr"; did you mean admins:member?');
  });
});

describe('SCIM import', () => {
  it('imports every RFC example that lists resources', async () => {
    const folder = dataFile('scim');
    for (const name of (await readdir(folder)).sort()) {
      const application = `scim-rfc-${name.slice(0, 20).replace(/\W+/g, '-')}`;
      const run = importFile(db.orm, `${folder}/${name}`, { application, actor: 'test' });
      if (name.includes('patch_op')) {
        await expect(run, name).rejects.toThrow(/PatchOp request/);
      } else {
        const summary = await run;
        expect(summary.format, name).toBe('scim');
        expect(summary.accounts + summary.groups, name).toBeGreaterThan(0);
      }
    }
  });

  it('terminates on groups that contain each other', async () => {
    const summary = await importFile(
      db.orm,
      dataFile('scim/rfc7644-3.7.1-list_response-circular_reference.json'),
      { application: 'scim-cycle', actor: 'test' },
    );
    expect(summary).toMatchObject({ groups: 2, resources: 2, grants: 2 });
    expect(await applicationCounts(db.orm, 'scim-cycle')).toMatchObject({ groups: 2, grants: 2 });
  });

  it('links managers by id, email and employee number', async () => {
    const file = await tempFile(
      'directory.json',
      scimList([
        {
          id: 'ceo',
          userName: 'ceo@mgr.example',
          displayName: 'Chief',
          [ENTERPRISE]: { employeeNumber: 'E-1' },
        },
        {
          id: 'vp',
          userName: 'vp@mgr.example',
          [ENTERPRISE]: { manager: { value: 'ceo' }, department: 'Sales' },
        },
        { id: 'rep', userName: 'rep@mgr.example', [ENTERPRISE]: { manager: 'VP@mgr.example' } },
        { id: 'aide', userName: 'aide@mgr.example', [ENTERPRISE]: { manager: 'E-1' } },
      ]),
    );
    await importFile(db.orm, file, { application: 'scim-managers', actor: 'test' });
    const rows = await db.orm.em
      .getConnection()
      .execute<{ person: string; manager: string | null }[]>(
        `select i.external_key as person, m.external_key as manager from identity i left join identity m on m.id = i.manager_id
       where i.external_key like '%@mgr.example' order by 1`,
      );
    expect(rows).toEqual([
      { person: 'aide@mgr.example', manager: 'ceo@mgr.example' },
      { person: 'ceo@mgr.example', manager: null },
      { person: 'rep@mgr.example', manager: 'vp@mgr.example' },
      { person: 'vp@mgr.example', manager: 'ceo@mgr.example' },
    ]);
  });

  it('joins accounts of other applications by email, then user name', async () => {
    const csv = await tempFile(
      'crm.csv',
      'account_id,account_email,account_login,resource_id\n' +
        'c1,Ann.Join@Example.com,,crm:admin\n' +
        'c2,,bob.join,crm:admin\n' +
        'c3,stranger@join.example,,crm:admin\n',
    );
    await importFile(db.orm, csv, { application: 'crm-join', actor: 'test' });
    expect(await applicationCounts(db.orm, 'crm-join')).toMatchObject({
      accounts: 3,
      accountsWithIdentity: 0,
    });

    const directory = await tempFile(
      'directory.json',
      scimList([
        { id: 'a', userName: 'ann', emails: [{ value: 'ann.join@example.com', primary: true }] },
        { id: 'b', userName: 'Bob.Join' },
      ]),
    );
    await importFile(db.orm, directory, { application: 'scim-join', actor: 'test' });
    const rows = await db.orm.em
      .getConnection()
      .execute<{ external_id: string; identity: string | null }[]>(
        `select a.external_id, i.external_key as identity from account a left join identity i on i.id = a.identity_id
       where a.application_id = (select id from application where key = 'crm-join') order by 1`,
      );
    expect(rows).toEqual([
      { external_id: 'c1', identity: 'ann.join@example.com' },
      { external_id: 'c2', identity: 'login:bob.join' },
      { external_id: 'c3', identity: null },
    ]);
  });
});

describe('CSV import', () => {
  const good =
    'application,account_id,account_email,resource_id,resource_name,resource_risk,last_login\r\n' +
    'csv-app,u1,ann@csv.example,admin,Administrator,high,2025-04-01T10:00:00Z\r\n' +
    'csv-app,u2,bob@csv.example,"reports, read",Reports,low,\r\n';

  it('imports grants and marks later missing ones removed', async () => {
    const first = await importFile(
      db.orm,
      await tempFile('v1.csv', good.replace(/csv-app/g, 'csv-snap')),
      { actor: 'test' },
    );
    expect(first).toMatchObject({
      format: 'csv',
      applications: ['csv-snap'],
      accounts: 2,
      resources: 2,
      grants: 2,
    });

    const newer = 'application,account_id,resource_id\ncsv-snap,u1,admin\ncsv-snap,u3,admin\n';
    const second = await importFile(db.orm, await tempFile('v2.csv', newer), { actor: 'test' });
    expect(second.removedByKind).toEqual({ accounts: 1, groups: 0, resources: 1, grants: 1 });
    expect(await applicationCounts(db.orm, 'csv-snap')).toMatchObject({
      accounts: 2,
      accountsRemoved: 1,
      resources: 1,
      resourcesRemoved: 1,
      grants: 2,
      grantsRemoved: 1,
    });
  });

  it('rejects a file with a bad row and changes nothing', async () => {
    await importFile(db.orm, await tempFile('good.csv', good.replace(/csv-app/g, 'csv-bad')), {
      actor: 'test',
    });
    const before = await accessSnapshot(db.orm);
    const bad =
      good.replace(/csv-app/g, 'csv-bad').replace('bob@csv.example', 'bob-at-example') +
      'csv-bad,u3,cy@csv.example,admin,Administrator,high,someday\r\n';
    const file = await tempFile('bad.csv', bad);

    const error = await importFile(db.orm, file, { actor: 'test' }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(BadRowsError);
    expect((error as BadRowsError).badRows).toEqual([
      {
        file,
        location: 'line 3',
        field: 'account_email',
        reason: 'invalid email "bob-at-example"',
      },
      expect.objectContaining({ file, location: 'line 4', field: 'last_login' }),
    ]);
    expect((error as Error).message).toContain('--skip-bad-rows');
    expect(await accessSnapshot(db.orm)).toEqual(before);
  });

  it('imports the good rows with skipBadRows', async () => {
    const bad = good.replace(/csv-app/g, 'csv-skip').replace('bob@csv.example', 'bob-at-example');
    const summary = await importFile(db.orm, await tempFile('skip.csv', bad), {
      actor: 'test',
      skipBadRows: true,
    });
    expect(summary).toMatchObject({ accounts: 1, grants: 1, badRows: 1 });
    expect(await applicationCounts(db.orm, 'csv-skip')).toMatchObject({ accounts: 1, grants: 1 });
  });

  const fileErrors: [string, string, string, RegExp][] = [
    [
      'unknown columns',
      'unknown.csv',
      'account_id,resource_id,favourite_colour\nu1,admin,red\n',
      /unknown column "favourite_colour" in the header.*known columns are/,
    ],
    [
      'a misspelt column',
      'typo.csv',
      'acount_email,resource_id\nbob@csv.example,admin\n',
      /unknown column "acount_email" \(did you mean account_email\?\) in the header\. Rename or remove it/,
    ],
    [
      'a misspelt and an unknown column',
      'typos.csv',
      'account_id,resource_id,Resource Nmae,favourite_colour\nu1,admin,Admin,red\n',
      /unknown columns "resource_nmae" \(did you mean resource_name\?\), "favourite_colour" in the header\. Rename or remove them/,
    ],
    ['an empty file', 'empty.csv', '', /the file is empty/],
    [
      'a header only with no rows',
      'header.csv',
      'account_id,resource_id\n',
      /holds no rows to import.*mark everything stored for csv-guard as removed/,
    ],
    [
      'a wrong explicit format',
      'wrong.csv',
      '{"users": []}',
      /not a csv file \(it looks like baton-file\)/,
    ],
  ];

  it.each(fileErrors)('rejects %s and changes nothing', async (_name, name, content, message) => {
    await importFile(db.orm, await tempFile('seed.csv', good.replace(/csv-app/g, 'csv-guard')), {
      actor: 'test',
    });
    const before = await accessSnapshot(db.orm);
    const file = await tempFile(name, content);
    const error = await importFile(db.orm, file, {
      actor: 'test',
      format: 'csv',
      application: 'csv-guard',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(file);
    expect(await accessSnapshot(db.orm)).toEqual(before);
  });

  it('rejects conflicting duplicate rows and merges identical ones', async () => {
    const duplicates =
      'account_id,resource_id,resource_name\nu1,admin,Admin\nu1,admin,Admin\nu2,admin,Administrator\n';
    const error = await importFile(db.orm, await tempFile('dupes.csv', duplicates), {
      application: 'csv-dupes',
      actor: 'test',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRowsError);
    expect((error as BadRowsError).badRows).toEqual([
      expect.objectContaining({
        location: 'line 4',
        field: 'resource_name',
        reason:
          'resource "admin" has resource_name "Administrator" here but "Admin" on line 2; make the rows agree',
      }),
    ]);

    const identical = 'account_id,resource_id\nu1,admin\nu1,admin\n';
    const summary = await importFile(db.orm, await tempFile('same.csv', identical), {
      application: 'csv-dupes',
      actor: 'test',
    });
    expect(summary).toMatchObject({ grants: 1, badRows: 0 });
    expect(summary.warnings[0]?.reason).toContain('identical to line 2');
  });
});

describe('dry run', () => {
  it('reports removals and writes nothing', async () => {
    await importFile(
      db.orm,
      await tempFile('v1.csv', 'account_id,resource_id\nu1,admin\nu2,admin\n'),
      { application: 'dry-run', actor: 'test' },
    );
    const before = await accessSnapshot(db.orm);
    const [{ count: runsBefore }] = (await db.orm.em
      .getConnection()
      .execute('select count(*) as count from import_run')) as [{ count: string }];

    const summary = await importFile(
      db.orm,
      await tempFile('v2.csv', 'account_id,resource_id\nu1,admin\nu3,viewer\n'),
      {
        application: 'dry-run',
        actor: 'test',
        dryRun: true,
      },
    );

    expect(summary).toMatchObject({
      dryRun: true,
      removed: 2,
      added: { accounts: 1, resources: 1, grants: 1 },
    });
    expect(summary.importRunId).toBeUndefined();
    expect(await accessSnapshot(db.orm)).toEqual(before);
    const [{ count: runsAfter }] = (await db.orm.em
      .getConnection()
      .execute('select count(*) as count from import_run')) as [{ count: string }];
    expect(runsAfter).toBe(runsBefore);
  });

  it('warns when most stored grants would be removed', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `u${i},admin`).join('\n');
    await importFile(db.orm, await tempFile('full.csv', `account_id,resource_id\n${rows}\n`), {
      application: 'mostly-gone',
      actor: 'test',
    });
    const summary = await importFile(
      db.orm,
      await tempFile('partial.csv', 'account_id,resource_id\nu0,admin\n'),
      { application: 'mostly-gone', actor: 'test', dryRun: true },
    );
    expect(summary.removedByKind.grants).toBe(11);
    expect(summary.warnings.map((warning) => warning.reason)).toContainEqual(
      expect.stringContaining('11 of the 12 stored grants (92%)'),
    );
  });
});
