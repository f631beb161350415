import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BadRowsError, importFile, ImportFileError } from '../../db/import/index.js';
import { useTestDatabase } from '../support/database.js';
import { editedC1z } from './c1z-files.js';
import { accessSnapshot, applicationCounts, dataFile, tempFile } from './support.js';

const db = useTestDatabase();
const expanded1k = dataFile('baton-c1z/demo-1k-users.expanded.c1z');
const unexpanded1k = dataFile('baton-c1z/demo-1k-users.unexpanded.c1z');
const unfinished35k = dataFile('baton-c1z/demo-35k-users.unexpanded.c1z');

describe('c1z import', () => {
  it('imports the expanded 1k-user sync', async () => {
    const summary = await importFile(db.orm, expanded1k, { application: 'c1z-1k', actor: 'test' });
    expect(summary).toMatchObject({
      format: 'c1z',
      syncId: '36zfOAoWMxQdISbixanQCRBiX7E',
      accounts: 1000,
      identities: 1000,
      resources: 342,
      groups: 21,
      grants: 14981,
      badRows: 0,
      removed: 0,
    });
    expect(await applicationCounts(db.orm, 'c1z-1k')).toMatchObject({
      accounts: 1000,
      accountsWithIdentity: 1000,
      resources: 342,
      groups: 21,
      grants: 14981,
    });
  });

  it('keeps grant sources and inheritance', async () => {
    await importFile(db.orm, expanded1k, { application: 'c1z-sources', actor: 'test' });
    const [grant] = await db.orm.em
      .getConnection()
      .execute<
        { inherited: boolean; sources: { resourceExternalId: string; resourceName: string }[] }[]
      >(
        `select g.inherited, g.sources from "grant" g join application a on a.id = g.application_id
       where a.key = 'c1z-sources' and g.external_id = 'project:project-0000047:access:user:user-0000200'`,
      );
    expect(grant?.inherited).toBe(true);
    expect(grant?.sources.map((source) => source.resourceExternalId).sort()).toEqual([
      'group:group-0000007:admin',
      'group:group-0000007:member',
      'group:group-0000010:admin',
      'group:group-0000010:member',
    ]);
    expect(grant?.sources[0]?.resourceName).toMatch(/^Group 00000\d\d · (admin|member)$/);
  });

  it('sets resource owners from owner entitlements', async () => {
    await importFile(db.orm, expanded1k, { application: 'c1z-owners', actor: 'test' });
    const rows = await db.orm.em.getConnection().execute<{ owners: string[]; holders: string[] }[]>(
      `select
         array(select i.external_key from resource_owner ro join identity i on i.id = ro.identity_id
               where ro.resource_id = r.id order by 1) as owners,
         array(select i.external_key from resource o join "grant" g on g.resource_id = o.id
               join account acc on acc.id = g.account_id join identity i on i.id = acc.identity_id
               where o.application_id = r.application_id and o.external_id = 'project:project-0000099:owner'
               order by 1) as holders
       from resource r join application a on a.id = r.application_id
       where a.key = 'c1z-owners' and r.external_id = 'project:project-0000099:access'`,
    );
    expect(rows[0]?.owners.length).toBeGreaterThan(0);
    expect(rows[0]?.owners).toEqual(rows[0]?.holders);
  });

  it('changes nothing when the same file is imported again', async () => {
    const first = await importFile(db.orm, expanded1k, { application: 'c1z-twice', actor: 'test' });
    const before = await applicationCounts(db.orm, 'c1z-twice');
    const second = await importFile(db.orm, expanded1k, {
      application: 'c1z-twice',
      actor: 'test',
    });
    expect(await applicationCounts(db.orm, 'c1z-twice')).toEqual(before);
    expect(second.added).toEqual({
      identities: 0,
      accounts: 0,
      groups: 0,
      resources: 0,
      grants: 0,
    });
    expect(second.removed).toBe(0);
    expect(second.grants).toBe(first.grants);
  });

  it('marks grants missing from a newer snapshot as removed', async () => {
    await importFile(db.orm, expanded1k, { application: 'c1z-snap', actor: 'test' });
    const [before] = await db.orm.em
      .getConnection()
      .execute<{ ids: string }[]>(
        `select md5(string_agg(g.id::text, ',' order by g.id)) as ids from "grant" g join application a on a.id = g.application_id where a.key = 'c1z-snap'`,
      );

    // The unexpanded file is the same sync before Baton derived the inherited grants.
    const older = await importFile(db.orm, unexpanded1k, {
      application: 'c1z-snap',
      actor: 'test',
      allowUnfinishedSync: true,
    });
    expect(older.grants).toBe(2909);
    const afterShrink = await applicationCounts(db.orm, 'c1z-snap');
    expect(afterShrink.grants).toBe(2909);
    expect(afterShrink.grantsRemoved).toBe(14981 - 2909);
    expect(older.removedByKind.grants).toBe(14981 - 2909);

    const again = await importFile(db.orm, expanded1k, { application: 'c1z-snap', actor: 'test' });
    expect(again.added.grants).toBe(0);
    expect(await applicationCounts(db.orm, 'c1z-snap')).toMatchObject({
      grants: 14981,
      grantsRemoved: 0,
    });
    const [after] = await db.orm.em
      .getConnection()
      .execute<{ ids: string }[]>(
        `select md5(string_agg(g.id::text, ',' order by g.id)) as ids from "grant" g join application a on a.id = g.application_id where a.key = 'c1z-snap'`,
      );
    expect(after?.ids).toBe(before?.ids);
  });

  it('imports the unfinished 35k-user sync when allowed', async () => {
    const summary = await importFile(db.orm, unfinished35k, {
      application: 'c1z-35k',
      actor: 'test',
      allowUnfinishedSync: true,
    });
    expect(summary).toMatchObject({
      accounts: 35000,
      resources: 334,
      groups: 17,
      grants: 66601,
      badRows: 0,
    });
    expect(await applicationCounts(db.orm, 'c1z-35k')).toMatchObject({
      accounts: 35000,
      grants: 66601,
      resources: 334,
    });
  });

  it('records the import run and an audit event', async () => {
    const summary = await importFile(db.orm, expanded1k, {
      application: 'c1z-audit',
      actor: 'cli:tester',
    });
    const connection = db.orm.em.getConnection();
    const [run] = await connection.execute<
      {
        status: string;
        sha256: string;
        sync_id: string;
        format: string;
        counts: { grants: number };
      }[]
    >('select status, sha256, sync_id, format, counts from import_run where id = ?', [
      summary.importRunId,
    ]);
    expect(run).toMatchObject({
      status: 'succeeded',
      format: 'c1z',
      sync_id: '36zfOAoWMxQdISbixanQCRBiX7E',
      sha256: summary.sha256,
    });
    expect(run?.counts.grants).toBe(14981);
    const events = await connection.execute<{ actor: string; outcome: string }[]>(
      `select actor, outcome from audit_event where action = 'import' and target_type = 'application' and target_id = 'c1z-audit'`,
    );
    expect(events).toEqual([{ actor: 'cli:tester', outcome: 'ok' }]);
  });
});

describe('c1z import of a bad file', () => {
  const truncated = async () =>
    tempFile('truncated.c1z', (await readFile(expanded1k)).subarray(0, 200_000));
  const scrambled = async () => {
    const bytes = Buffer.from(await readFile(expanded1k));
    for (let i = 5_000; i < 6_000; i++) bytes[i] = (bytes[i]! + 97) % 256;
    return tempFile('scrambled.c1z', bytes);
  };
  const cases: [string, () => Promise<string> | string, RegExp][] = [
    ['an unfinished sync', () => unfinished35k, /no finished sync .* --allow-unfinished-sync/],
    [
      'a sync in progress',
      () => dataFile('baton-c1z/sync-in-progress.c1z'),
      /no finished sync .*started 2026-03-03 09:45:13 in the connector's local time and never ended/,
    ],
    [
      'the Pebble format',
      () => dataFile('baton-c1z/demo-35k-users.pebble-format.c1z'),
      /Pebble format \(header C1Z3\).* SQLite format/,
    ],
    ['a truncated file', truncated, /truncated or corrupt/],
    ['a corrupt file', scrambled, /truncated or corrupt|corrupt/],
    ['an empty file', () => tempFile('empty.c1z', ''), /the file is empty/],
  ];

  it.each(cases)('rejects %s and changes nothing', async (_name, makeFile, message) => {
    const application = `c1z-guard-${_name.replace(/\W+/g, '-')}`;
    await importFile(db.orm, expanded1k, { application, actor: 'test' });
    const before = await accessSnapshot(db.orm);
    const file = await makeFile();

    const error = await importFile(db.orm, file, { application, actor: 'test' }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(file)).toBe(true);
    expect(await accessSnapshot(db.orm)).toEqual(before);
  });

  it('records a failed import in the audit log', async () => {
    const file = dataFile('baton-c1z/demo-35k-users.pebble-format.c1z');
    await importFile(db.orm, file, { application: 'c1z-failed', actor: 'test' }).catch(
      () => undefined,
    );
    const events = await db.orm.em
      .getConnection()
      .execute<{ outcome: string; reason: string }[]>(
        `select outcome, reason from audit_event where target_id = 'c1z-failed'`,
      );
    expect(events).toHaveLength(1);
    expect(events[0]?.outcome).toBe('failed');
    expect(events[0]?.reason).toContain('Pebble');
  });

  it('files a failure without an application under the file', async () => {
    const file = await tempFile('no-application.c1z', '');
    await importFile(db.orm, file, { actor: 'test' }).catch(() => undefined);
    const events = await db.orm.em
      .getConnection()
      .execute<{ target_type: string; outcome: string }[]>(
        `select target_type, outcome from audit_event where action = 'import' and target_id = ?`,
        [file],
      );
    expect(events).toEqual([{ target_type: 'import_file', outcome: 'failed' }]);
  });
});

describe('c1z import of edited files', () => {
  it('reads a stored zstd frame', async () => {
    const file = await editedC1z(expanded1k, () => undefined);
    const summary = await importFile(db.orm, file, {
      application: 'c1z-rewritten',
      actor: 'test',
      dryRun: true,
    });
    expect(summary.grants).toBe(14981);
  });

  it('rolls back grants written before a bad row', async () => {
    await importFile(db.orm, expanded1k, { application: 'c1z-late-bad', actor: 'test' });
    const before = await accessSnapshot(db.orm);
    // The last grant row is decoded after the users, and so after the streaming writer has
    // already stored identities, accounts and most grants in the open transaction.
    const file = await editedC1z(expanded1k, (database) => {
      database
        .prepare(`update v1_grants set data = x'ff' where id = (select max(id) from v1_grants)`)
        .run();
    });

    const error = await importFile(db.orm, file, {
      application: 'c1z-late-bad',
      actor: 'test',
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BadRowsError);
    expect((error as BadRowsError).badRows).toEqual([
      expect.objectContaining({
        file,
        field: 'data',
        location: expect.stringMatching(/^v1_grants row \d+$/),
      }),
    ]);
    expect(await accessSnapshot(db.orm)).toEqual(before);
  });

  it('skips a bad grant when asked', async () => {
    const file = await editedC1z(expanded1k, (database) => {
      database
        .prepare(`update v1_grants set data = x'ff' where id = (select min(id) from v1_grants)`)
        .run();
    });
    const summary = await importFile(db.orm, file, {
      application: 'c1z-skip',
      actor: 'test',
      skipBadRows: true,
    });
    expect(summary).toMatchObject({ grants: 14980, badRows: 1 });
    expect(await applicationCounts(db.orm, 'c1z-skip')).toMatchObject({ grants: 14980 });
  });

  it('prefers the latest finished sync to a newer unfinished one', async () => {
    const file = await editedC1z(expanded1k, (database) => {
      database
        .prepare(
          `insert into v1_sync_runs (sync_id, started_at, ended_at, sync_token, sync_type, parent_sync_id)
           values ('newer-unfinished', '2030-01-01 00:00:00', null, '', 'full', '')`,
        )
        .run();
    });
    const summary = await importFile(db.orm, file, {
      application: 'c1z-two-syncs',
      actor: 'test',
      dryRun: true,
    });
    expect(summary).toMatchObject({ syncId: '36zfOAoWMxQdISbixanQCRBiX7E', grants: 14981 });
  });
});
