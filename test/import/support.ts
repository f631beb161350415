import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Path of a file under the shared data folder, which sits beside the repository (in CI the
 * repository is cloned next to it).
 */
export function dataFile(relative: string): string {
  return fileURLToPath(new URL(`../../../shared/data/${relative}`, import.meta.url));
}

/** Writes `content` to a new temporary folder and returns the file's path. */
export async function tempFile(name: string, content: string | Uint8Array): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'recert-import-test-'));
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

const ACCESS_TABLES = [
  'application',
  'application_owner',
  'identity',
  'account',
  'principal_group',
  'resource',
  'resource_owner',
  '"grant"',
];

/**
 * Returns a digest of every row of every access-data table, timestamps included, so two snapshots
 * are equal only when nothing at all changed.
 */
export async function accessSnapshot(orm: MikroORM): Promise<Record<string, string>> {
  const connection = orm.em.getConnection();
  const snapshot: Record<string, string> = {};
  for (const table of ACCESS_TABLES) {
    const [row] = await connection.execute<{ count: string; digest: string | null }[]>(
      `select count(*) as count, md5(string_agg(t::text, '|' order by t::text)) as digest from ${table} t`,
    );
    snapshot[table] = `${row?.count}:${row?.digest ?? ''}`;
  }
  return snapshot;
}

/** Stored rows of one application: present and removed. */
export async function applicationCounts(orm: MikroORM, key: string) {
  const [row] = await orm.em.getConnection().execute<Record<string, string>[]>(
    `select
       (select count(*) from account x where x.application_id = a.id and x.removed_at is null) as accounts,
       (select count(*) from account x where x.application_id = a.id and x.removed_at is not null) as "accountsRemoved",
       (select count(*) from account x where x.application_id = a.id and x.identity_id is not null) as "accountsWithIdentity",
       (select count(*) from principal_group x where x.application_id = a.id and x.removed_at is null) as groups,
       (select count(*) from resource x where x.application_id = a.id and x.removed_at is null) as resources,
       (select count(*) from resource x where x.application_id = a.id and x.removed_at is not null) as "resourcesRemoved",
       (select count(*) from "grant" x where x.application_id = a.id and x.removed_at is null) as grants,
       (select count(*) from "grant" x where x.application_id = a.id and x.removed_at is not null) as "grantsRemoved"
     from application a where a.key = ?`,
    [key],
  );
  if (!row) throw new Error(`application ${key} is not stored`);
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, Number(value)]));
}
