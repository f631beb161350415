/** Merges the identities of an import and links accounts to them. */
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { copyRows, type CopyValue } from './copy.js';
import type { IdentityRow, NormalisedImport } from './types.js';

/**
 * Adds the identities the file names and, for a directory, updates their attributes and
 * managers. Identities are shared by all applications, so none is ever marked removed.
 */
export async function mergeIdentities(client: pg.ClientBase, data: NormalisedImport) {
  const stored = await client.query<{
    id: number;
    external_key: string;
    email: string | null;
    login: string | null;
    display_name: string;
    department: string | null;
    title: string | null;
    employee_number: string | null;
    employment_status: string;
    terminated_at: Date | null;
  }>(
    `select id, external_key, email, login, display_name, department, title, employee_number,
       employment_status, terminated_at
     from identity where external_key = any($1::text[])`,
    [data.identities.map((row) => row.key)],
  );
  const storedByKey = new Map(stored.rows.map((row) => [row.external_key, row]));
  const ids = new Map<string, number>();
  const fresh: IdentityRow[] = [];
  const changed: CopyValue[][] = [];
  for (const row of data.identities) {
    const existing = storedByKey.get(row.key);
    if (!existing) {
      fresh.push(row);
      continue;
    }
    ids.set(row.key, existing.id);
    if (data.identityMode === 'directory') {
      const values: CopyValue[] = [
        existing.id,
        row.email ?? null,
        row.login ?? existing.login,
        row.displayName,
        row.department ?? null,
        row.title ?? null,
        row.employeeNumber ?? null,
        row.employmentStatus ?? 'active',
        row.terminatedAt ?? null,
      ];
      const current = [
        existing.id,
        existing.email,
        existing.login,
        existing.display_name,
        existing.department,
        existing.title,
        existing.employee_number,
        existing.employment_status,
        existing.terminated_at,
      ];
      if (!isDeepStrictEqual(values, current)) changed.push(values);
    } else if (!existing.login && row.login) {
      // Account sources add people they name but never overwrite what a directory stored,
      // except to fill in a login that makes later matching possible.
      changed.push([
        existing.id,
        existing.email,
        row.login,
        existing.display_name,
        existing.department,
        existing.title,
        existing.employee_number,
        existing.employment_status,
        existing.terminated_at,
      ]);
    }
  }

  const maxId = await client.query<{ max: number }>(
    'select coalesce(max(id), 0) as max from identity',
  );
  const columns = [
    'email',
    'login',
    'display_name',
    'department',
    'title',
    'employee_number',
    'employment_status',
    'terminated_at',
  ];
  await copyRows(
    client,
    'identity',
    ['external_key', ...columns],
    fresh.map((row) => [
      row.key,
      row.email,
      row.login,
      row.displayName,
      row.department,
      row.title,
      row.employeeNumber,
      row.employmentStatus ?? 'active',
      row.terminatedAt,
    ]),
  );
  if (fresh.length > 0) {
    // Sequence values only grow, so the identities added now have ids above the old maximum.
    const added = await client.query<{ id: number; external_key: string }>(
      'select id, external_key from identity where id > $1',
      [maxId.rows[0]!.max],
    );
    for (const row of added.rows) ids.set(row.external_key, row.id);
  }
  if (changed.length > 0) {
    await client.query(
      `create temp table stage_identity_change on commit drop as select id, ${columns.join(', ')} from identity limit 0`,
    );
    await copyRows(client, 'stage_identity_change', ['id', ...columns], changed);
    await client.query(
      `update identity i set ${columns.map((column) => `${column} = s.${column}`).join(', ')}, updated_at = now()
       from stage_identity_change s where i.id = s.id`,
    );
  }

  if (data.identityMode === 'directory') await mergeManagers(client, data, ids);
  return { ids, added: fresh.length };
}

/**
 * Sets managers from a directory, which is the source of truth for reporting lines: a manager it names replaces
 * the stored one, and a person it lists without a manager gets none. A manager given by a
 * bare string is looked up by email, login or employee number among stored identities.
 */
async function mergeManagers(
  client: pg.ClientBase,
  data: NormalisedImport,
  ids: Map<string, number>,
) {
  await client.query(
    'create temp table stage_manager (id int, manager_id int, manager_ref text) on commit drop',
  );
  await copyRows(
    client,
    'stage_manager',
    ['id', 'manager_id', 'manager_ref'],
    data.identities.map((row) => [
      ids.get(row.key),
      row.managerKey ? ids.get(row.managerKey) : null,
      row.managerRef,
    ]),
  );
  await client.query(
    `with resolved as (
       select s.id, coalesce(s.manager_id, by_ref.id) as manager_id
       from stage_manager s
       left join lateral (
         select m.id from identity m
         where s.manager_ref is not null
           and (m.external_key = lower(s.manager_ref) or m.login = lower(s.manager_ref)
                or m.employee_number = s.manager_ref)
         order by m.id limit 1) by_ref on true)
     update identity i set manager_id = resolved.manager_id, updated_at = now()
     from resolved
     where i.id = resolved.id and i.manager_id is distinct from resolved.manager_id
       and resolved.manager_id is distinct from i.id`,
  );
}

/**
 * Links accounts that have no identity to one by case-folded email, then by login against
 * the identity's login, then by a login that is itself an email. Accounts stay orphaned
 * when nothing matches. Without `appIds`, accounts of every application are considered,
 * so a directory import also links accounts imported before it.
 */
export async function linkAccountsToIdentities(
  client: pg.ClientBase,
  appIds: number[] | undefined,
) {
  const scope = appIds ? 'and a.application_id = any($1::int[])' : '';
  const values = appIds ? [appIds] : [];
  await client.query(
    `update account a set identity_id = i.id from identity i
     where a.identity_id is null and a.email is not null and i.external_key = lower(a.email) ${scope}`,
    values,
  );
  await client.query(
    `update account a set identity_id = i.id from identity i
     where a.identity_id is null and a.login is not null and i.login = lower(a.login) ${scope}`,
    values,
  );
  await client.query(
    `update account a set identity_id = i.id from identity i
     where a.identity_id is null and a.login is not null and i.external_key = lower(a.login) ${scope}`,
    values,
  );
}
