import { describe, expect, it } from 'vitest';
import { importFile } from '../../db/import/index.js';
import { useTestDatabase } from '../support/database.js';
import { tempFile } from './support.js';

const db = useTestDatabase();

/** The migration that adds `import_run_application` and fills it from older rows. */
const RUN_APPLICATIONS_MIGRATION = 'Migration20261205163314';

async function query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
  return db.orm.em.fork().getConnection().execute<T[]>(sql, params);
}

async function runApplications(runId: number): Promise<string[]> {
  const rows = await query<{ key: string }>(
    `select a.key from import_run_application ra join application a on a.id = ra.application_id
      where ra.import_run_id = ? order by a.key`,
    [runId],
  );
  return rows.map((row) => row.key);
}

describe('import_run_application', () => {
  it('records every application of a file', async () => {
    const file = await tempFile(
      'several.csv',
      'application,account_id,resource_id\nhr,u1,staff\nwiki,u1,editor\nvpn,u1,user\n',
    );
    const summary = await importFile(db.orm, file, { actor: 'test' });

    expect(await runApplications(summary.importRunId!)).toEqual(['hr', 'vpn', 'wiki']);
  });

  it('is backfilled from import_run and audit_event', async () => {
    const migrator = db.orm.getMigrator();
    await migrator.down({ to: RUN_APPLICATIONS_MIGRATION });
    const [tables] = await query<{ count: string }>(
      `select count(*) as count from information_schema.tables
        where table_name = 'import_run_application'`,
    );
    expect(tables!.count).toBe('0');

    // Rows as an import wrote them before the table existed: one application per run, and
    // one 'import' audit event per application of the file.
    const application = async (key: string) =>
      (
        await query<{ id: number }>(
          `insert into application (key, name) values (?, ?) returning id`,
          [key, key],
        )
      )[0]!.id;
    const ledger = await application('old-ledger');
    const tickets = await application('old-tickets');
    const mail = await application('old-mail');
    const run = async (applicationId: number | null, status: string) =>
      (
        await query<{ id: number }>(
          `insert into import_run (application_id, source_file, sha256, format, status)
           values (?, 'old.csv', repeat('a', 64), 'csv', ?) returning id`,
          [applicationId, status],
        )
      )[0]!.id;
    const several = await run(ledger, 'succeeded');
    const single = await run(mail, 'succeeded');
    const failed = await run(null, 'failed');
    const audit = (key: string, outcome: string, detail: object) =>
      query(
        `insert into audit_event (actor, action, target_type, target_id, outcome, detail)
         values ('cli:test', 'import', 'application', ?, ?, ?)`,
        [key, outcome, JSON.stringify(detail)],
      );
    await audit('old-ledger', 'ok', { importRunId: several });
    await audit('old-tickets', 'ok', { importRunId: several });
    await audit('old-mail', 'failed', { importRunId: failed });
    await audit('old-mail', 'ok', { importRunId: 'not a number' });
    await audit('old-tickets', 'ok', { importRunId: 2_000_000_000 });

    await migrator.up();

    expect(await runApplications(several)).toEqual(['old-ledger', 'old-tickets']);
    expect(await runApplications(single)).toEqual(['old-mail']);
    expect(await runApplications(failed)).toEqual([]);
    const [stored] = await query<{ count: string }>(
      'select count(*) as count from import_run_application where application_id in (?, ?, ?)',
      [ledger, tickets, mail],
    );
    expect(stored!.count).toBe('3');
  });
});
