/**
 * Stores a normalised import with set-based SQL: every kind of row is streamed with COPY
 * into a temporary staging table, then merged into the real tables with
 * `INSERT ... ON CONFLICT` and `UPDATE ... FROM`, all in one transaction.
 *
 * Snapshot semantics: every row the file contains gets `last_seen_at = now()`, which in
 * PostgreSQL is the start time of the transaction. Afterwards, rows of the same
 * applications whose `last_seen_at` is older were not in the file and get `removed_at`.
 * A row that comes back later has `removed_at` cleared and keeps its id and first-seen time.
 */
import type pg from 'pg';
import type { ImportCounts } from '../entities/import-run.entity.js';
import { copyRows, type CopyValue } from './copy.js';
import type { NormalisedImport } from './types.js';

/** Row counts of one import: what the file holds, what was added and what was marked removed. */
export interface WriteCounts {
  identities: number;
  accounts: number;
  groups: number;
  resources: number;
  grants: number;
  added: {
    identities: number;
    accounts: number;
    groups: number;
    resources: number;
    grants: number;
  };
  removed: { accounts: number; groups: number; resources: number; grants: number };
}

export interface WriteOptions {
  /** Rolls the transaction back at the end, so the counts are exact and nothing is kept. */
  dryRun: boolean;
  onStage?: (stage: string) => void;
  /** Runs inside the transaction after the merge, for example to record the import run. */
  beforeCommit?: (client: pg.ClientBase, applicationIds: Map<string, number>) => Promise<void>;
}

// One lock for all imports: identity matching spans applications, so two imports running
// at once could each create the same identity. The number is arbitrary but fixed.
const IMPORT_LOCK = 7_316_402;

async function count(client: pg.ClientBase, sql: string, values: unknown[] = []): Promise<number> {
  const result = await client.query<{ count: string }>(sql, values);
  return Number(result.rows[0]?.count ?? 0);
}

/** Writes one import in a single transaction and returns its counts. */
export async function writeImport(
  client: pg.ClientBase,
  data: NormalisedImport,
  options: WriteOptions,
): Promise<WriteCounts> {
  await client.query('begin');
  try {
    const counts = await merge(client, data, options);
    await client.query(options.dryRun ? 'rollback' : 'commit');
    return counts;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function merge(client: pg.ClientBase, data: NormalisedImport, options: WriteOptions) {
  const stage = (name: string) => options.onStage?.(name);
  await client.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
  await client.query(`set local work_mem = '64MB'`);

  stage('applications');
  const applicationIds = await upsertApplications(client, data);
  const appIds = [...applicationIds.values()];
  await client.query(
    'create temp table stage_app (key text primary key, id int not null) on commit drop',
  );
  await copyRows(
    client,
    'stage_app',
    ['key', 'id'],
    [...applicationIds].map(([key, id]) => [key, id]),
  );

  stage('identities');
  const identitiesAdded = await mergeIdentities(client, data);

  stage('accounts');
  await client.query(`create temp table stage_account (
    application_key text, external_id text, login text, email text, display_name text,
    account_type text, status text, last_login_at timestamptz, identity_key text) on commit drop`);
  await copyRows(
    client,
    'stage_account',
    [
      'application_key',
      'external_id',
      'login',
      'email',
      'display_name',
      'account_type',
      'status',
      'last_login_at',
      'identity_key',
    ],
    mapRows(data.accounts, (row) => [
      row.applicationKey,
      row.externalId,
      row.login,
      row.email,
      row.displayName,
      row.accountType,
      row.status,
      row.lastLoginAt,
      row.identityKey,
    ]),
  );
  await client.query('analyze stage_account');
  const accountsAdded = await count(
    client,
    `with upserted as (
       insert into account as a (application_id, external_id, login, email, display_name, identity_id,
         account_type, status, last_login_at, first_seen_at, last_seen_at, removed_at)
       select app.id, s.external_id, s.login, s.email, s.display_name, i.id,
         s.account_type, s.status, s.last_login_at, now(), now(), null
       from stage_account s
       join stage_app app on app.key = s.application_key
       left join identity i on i.external_key = s.identity_key
       on conflict (application_id, external_id) do update set
         login = excluded.login, email = excluded.email, display_name = excluded.display_name,
         identity_id = coalesce(excluded.identity_id, a.identity_id),
         account_type = excluded.account_type, status = excluded.status,
         last_login_at = coalesce(excluded.last_login_at, a.last_login_at),
         last_seen_at = now(), removed_at = null
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as count from upserted`,
  );

  stage('matching identities');
  await linkAccountsToIdentities(client, data.identityMode === 'directory' ? undefined : appIds);

  stage('groups');
  await client.query(
    'create temp table stage_group (application_key text, external_id text, display_name text) on commit drop',
  );
  await copyRows(
    client,
    'stage_group',
    ['application_key', 'external_id', 'display_name'],
    mapRows(data.groups, (row) => [row.applicationKey, row.externalId, row.displayName]),
  );
  const groupsAdded = await count(
    client,
    `with upserted as (
       insert into principal_group as g (application_id, external_id, display_name, first_seen_at, last_seen_at, removed_at)
       select app.id, s.external_id, s.display_name, now(), now(), null
       from stage_group s join stage_app app on app.key = s.application_key
       on conflict (application_id, external_id) do update set
         display_name = excluded.display_name, last_seen_at = now(), removed_at = null
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as count from upserted`,
  );

  stage('resources');
  await client.query(`create temp table stage_resource (
    application_key text, external_id text, display_name text, description text, resource_type text,
    parent_external_id text, parent_name text, slug text, risk_level text, grants_ownership boolean,
    owner_emails text) on commit drop`);
  await copyRows(
    client,
    'stage_resource',
    [
      'application_key',
      'external_id',
      'display_name',
      'description',
      'resource_type',
      'parent_external_id',
      'parent_name',
      'slug',
      'risk_level',
      'grants_ownership',
      'owner_emails',
    ],
    mapRows(data.resources, (row) => [
      row.applicationKey,
      row.externalId,
      row.displayName,
      row.description,
      row.resourceType,
      row.parentExternalId,
      row.parentName,
      row.slug,
      row.riskLevel,
      row.grantsOwnership,
      row.ownerEmails?.length ? row.ownerEmails.join(';') : null,
    ]),
  );
  await client.query('analyze stage_resource');
  const resourcesAdded = await count(
    client,
    `with upserted as (
       insert into resource as r (application_id, external_id, display_name, description, resource_type,
         parent_external_id, parent_name, slug, risk_level, grants_ownership, last_seen_at, removed_at)
       select app.id, s.external_id, s.display_name, s.description, s.resource_type,
         s.parent_external_id, s.parent_name, s.slug, coalesce(s.risk_level, 'medium'), s.grants_ownership, now(), null
       from stage_resource s join stage_app app on app.key = s.application_key
       on conflict (application_id, external_id) do update set
         display_name = excluded.display_name, description = excluded.description,
         resource_type = excluded.resource_type, parent_external_id = excluded.parent_external_id,
         parent_name = excluded.parent_name, slug = excluded.slug,
         grants_ownership = excluded.grants_ownership, last_seen_at = now(), removed_at = null
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as count from upserted`,
  );
  // A risk level the file does not give keeps the stored one, which an administrator may
  // have set by hand.
  await client.query(
    `update resource r set risk_level = s.risk_level
     from stage_resource s join stage_app app on app.key = s.application_key
     where r.application_id = app.id and r.external_id = s.external_id
       and s.risk_level is not null and r.risk_level is distinct from s.risk_level`,
  );

  stage('grants');
  await client.query(`create temp table stage_grant (
    application_key text, external_id text, resource_external_id text, principal_type text,
    principal_external_id text, inherited boolean, sources jsonb) on commit drop`);
  await copyRows(
    client,
    'stage_grant',
    [
      'application_key',
      'external_id',
      'resource_external_id',
      'principal_type',
      'principal_external_id',
      'inherited',
      'sources',
    ],
    mapRows(data.grants, (row) => [
      row.applicationKey,
      row.externalId,
      row.resourceExternalId,
      row.principalType,
      row.principalExternalId,
      row.inherited,
      JSON.stringify(row.sources),
    ]),
  );
  await client.query('analyze stage_grant');
  const grantsAdded = await count(
    client,
    `with upserted as (
       insert into "grant" as g (application_id, resource_id, principal_type, account_id, group_id, external_id,
         inherited, sources, first_seen_at, last_seen_at, removed_at)
       select app.id, r.id, s.principal_type, a.id, pg.id, s.external_id, s.inherited, s.sources, now(), now(), null
       from stage_grant s
       join stage_app app on app.key = s.application_key
       join resource r on r.application_id = app.id and r.external_id = s.resource_external_id
       left join account a on s.principal_type = 'account' and a.application_id = app.id and a.external_id = s.principal_external_id
       left join principal_group pg on s.principal_type = 'group' and pg.application_id = app.id and pg.external_id = s.principal_external_id
       on conflict (application_id, external_id) do update set
         resource_id = excluded.resource_id, principal_type = excluded.principal_type,
         account_id = excluded.account_id, group_id = excluded.group_id,
         inherited = excluded.inherited, sources = excluded.sources,
         last_seen_at = now(), removed_at = null
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as count from upserted`,
  );

  stage('removals');
  const removedFrom = data.partial ? [] : appIds;
  const removed = {
    grants: await markRemoved(client, '"grant"', removedFrom),
    accounts: await markRemoved(client, 'account', removedFrom),
    groups: await markRemoved(client, 'principal_group', removedFrom),
    resources: await markRemoved(client, 'resource', removedFrom),
  };

  stage('owners');
  await mergeResourceOwners(client, appIds);
  await mergeApplicationOwners(client, data);

  await options.beforeCommit?.(client, applicationIds);

  return {
    identities: data.identities.length,
    accounts: data.accounts.length,
    groups: data.groups.length,
    resources: data.resources.length,
    grants: data.grants.length,
    added: {
      identities: identitiesAdded,
      accounts: accountsAdded,
      groups: groupsAdded,
      resources: resourcesAdded,
      grants: grantsAdded,
    },
    removed,
  } satisfies WriteCounts;
}

function* mapRows<T>(rows: T[], map: (row: T) => CopyValue[]): Iterable<CopyValue[]> {
  for (const row of rows) yield map(row);
}

async function upsertApplications(client: pg.ClientBase, data: NormalisedImport) {
  const ids = new Map<string, number>();
  for (const application of data.applications) {
    const result = await client.query<{ id: number }>(
      `insert into application as a (key, name, description, risk_level)
       values ($1::text, coalesce($2::text, $1::text), $3::text, coalesce($4::text, 'medium'))
       on conflict (key) do update set
         name = coalesce($2::text, a.name), description = coalesce($3::text, a.description),
         risk_level = coalesce($4::text, a.risk_level)
       returning id`,
      [
        application.key,
        application.name ?? null,
        application.description ?? null,
        application.riskLevel ?? null,
      ],
    );
    ids.set(application.key, result.rows[0]!.id);
  }
  return ids;
}

async function mergeIdentities(client: pg.ClientBase, data: NormalisedImport): Promise<number> {
  await client.query(`create temp table stage_identity (
    key text, email text, login text, display_name text, department text, title text,
    employee_number text, manager_key text, manager_ref text, employment_status text,
    terminated_at timestamptz) on commit drop`);
  await copyRows(
    client,
    'stage_identity',
    [
      'key',
      'email',
      'login',
      'display_name',
      'department',
      'title',
      'employee_number',
      'manager_key',
      'manager_ref',
      'employment_status',
      'terminated_at',
    ],
    mapRows(data.identities, (row) => [
      row.key,
      row.email,
      row.login,
      row.displayName,
      row.department,
      row.title,
      row.employeeNumber,
      row.managerKey,
      row.managerRef,
      row.employmentStatus,
      row.terminatedAt,
    ]),
  );
  await client.query('analyze stage_identity');

  if (data.identityMode !== 'directory') {
    // Account sources add people they name but never overwrite what a directory stored.
    return count(
      client,
      `with inserted as (
         insert into identity (external_key, email, login, display_name, department, title, employee_number)
         select key, email, login, display_name, department, title, employee_number from stage_identity
         on conflict (external_key) do update set login = excluded.login
           where identity.login is null and excluded.login is not null
         returning (xmax = 0) as inserted)
       select count(*) filter (where inserted) as count from inserted`,
    );
  }

  const added = await count(
    client,
    `with upserted as (
       insert into identity as i (external_key, email, login, display_name, department, title,
         employee_number, employment_status, terminated_at)
       select key, email, login, display_name, department, title, employee_number,
         coalesce(employment_status, 'active'), terminated_at
       from stage_identity
       on conflict (external_key) do update set
         email = excluded.email, login = coalesce(excluded.login, i.login),
         display_name = excluded.display_name, department = excluded.department, title = excluded.title,
         employee_number = excluded.employee_number, employment_status = excluded.employment_status,
         terminated_at = excluded.terminated_at, updated_at = now()
       where (i.email, i.login, i.display_name, i.department, i.title, i.employee_number,
              i.employment_status, i.terminated_at)
         is distinct from (excluded.email, coalesce(excluded.login, i.login), excluded.display_name,
              excluded.department, excluded.title, excluded.employee_number,
              excluded.employment_status, excluded.terminated_at)
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as count from upserted`,
  );

  // The directory is the source of truth for reporting lines: a manager it names replaces
  // the stored one, and a person it lists without a manager gets none. A manager given by a
  // bare string is looked up by email, login or employee number among stored identities.
  await client.query(
    `with resolved as (
       select s.key, coalesce(by_key.id, by_ref.id) as manager_id
       from stage_identity s
       left join identity by_key on by_key.external_key = s.manager_key
       left join lateral (
         select m.id from identity m
         where s.manager_ref is not null
           and (m.external_key = lower(s.manager_ref) or m.login = lower(s.manager_ref)
                or m.employee_number = s.manager_ref)
         order by m.id limit 1) by_ref on true)
     update identity i set manager_id = resolved.manager_id, updated_at = now()
     from resolved
     where i.external_key = resolved.key and i.manager_id is distinct from resolved.manager_id
       and resolved.manager_id is distinct from i.id`,
  );
  return added;
}

/**
 * Links accounts that have no identity to one by case-folded email, then by login against
 * the identity's login, then by a login that is itself an email. Accounts stay orphaned
 * when nothing matches. Without `appIds`, accounts of every application are considered,
 * so a directory import also links accounts imported before it.
 */
async function linkAccountsToIdentities(client: pg.ClientBase, appIds: number[] | undefined) {
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

async function markRemoved(client: pg.ClientBase, table: string, appIds: number[]) {
  const result = await client.query(
    `update ${table} set removed_at = now()
     where application_id = any($1::int[]) and removed_at is null and last_seen_at < now()`,
    [appIds],
  );
  return result.rowCount ?? 0;
}

/**
 * Sets resource owners where the data says who they are: the identities holding an
 * ownership resource (such as `owner` or `admin`) of the same parent object, and the owners
 * a file names itself. Resources without either keep the owners they have.
 */
async function mergeResourceOwners(client: pg.ClientBase, appIds: number[]) {
  await client.query(
    `create temp table desired_owner on commit drop as
     select distinct r.id as resource_id, a.identity_id
     from resource r
     join resource o on o.application_id = r.application_id and o.parent_external_id = r.parent_external_id
       and o.grants_ownership and o.removed_at is null
     join "grant" g on g.resource_id = o.id and g.removed_at is null and g.principal_type = 'account'
     join account a on a.id = g.account_id and a.identity_id is not null and a.removed_at is null
     where r.application_id = any($1::int[]) and r.removed_at is null
     union
     select r.id, i.id
     from stage_resource s
     join stage_app app on app.key = s.application_key
     join resource r on r.application_id = app.id and r.external_id = s.external_id
     cross join lateral unnest(string_to_array(s.owner_emails, ';')) as owner(email)
     join identity i on i.external_key = owner.email
     where s.owner_emails is not null`,
    [appIds],
  );
  await client.query(
    `create temp table governed_resource on commit drop as
     select r.id from resource r
     where r.application_id = any($1::int[]) and (
       exists (select 1 from resource o where o.application_id = r.application_id
               and o.parent_external_id = r.parent_external_id and o.grants_ownership)
       or exists (select 1 from stage_resource s join stage_app app on app.key = s.application_key
                  where app.id = r.application_id and s.external_id = r.external_id and s.owner_emails is not null))`,
    [appIds],
  );
  await client.query(
    `delete from resource_owner ro using governed_resource gr
     where ro.resource_id = gr.id and not exists (
       select 1 from desired_owner d where d.resource_id = ro.resource_id and d.identity_id = ro.identity_id)`,
  );
  await client.query(
    `insert into resource_owner (resource_id, identity_id)
     select resource_id, identity_id from desired_owner on conflict do nothing`,
  );
}

async function mergeApplicationOwners(client: pg.ClientBase, data: NormalisedImport) {
  for (const application of data.applications) {
    if (!application.ownerEmails?.length) continue;
    await client.query(
      `delete from application_owner ao using application a, identity i
       where ao.application_id = a.id and a.key = $1 and ao.identity_id = i.id
         and not (i.external_key = any($2::text[]))`,
      [application.key, application.ownerEmails],
    );
    await client.query(
      `insert into application_owner (application_id, identity_id)
       select a.id, i.id from application a join identity i on i.external_key = any($2::text[])
       where a.key = $1 on conflict do nothing`,
      [application.key, application.ownerEmails],
    );
  }
}

/** Flattens write counts into the JSON stored on `import_run.counts`. */
export function toImportCounts(
  counts: WriteCounts,
  badRows: number,
  warnings: number,
): ImportCounts {
  return {
    identities: counts.identities,
    accounts: counts.accounts,
    groups: counts.groups,
    resources: counts.resources,
    grants: counts.grants,
    grantsRemoved: counts.removed.grants,
    badRows,
    accountsRemoved: counts.removed.accounts,
    groupsRemoved: counts.removed.groups,
    resourcesRemoved: counts.removed.resources,
    identitiesAdded: counts.added.identities,
    accountsAdded: counts.added.accounts,
    resourcesAdded: counts.added.resources,
    grantsAdded: counts.added.grants,
    warnings,
  };
}
