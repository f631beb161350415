/**
 * Stores a normalised import in one transaction with set-based SQL (see table-sync.ts).
 * The stored rows of the imported applications are read once and compared in memory. New
 * rows are copied straight into the tables with COPY. Changes, sightings and removals are
 * applied with one `UPDATE ... FROM` or `UPDATE ... WHERE id = any(...)` per table.
 *
 * Snapshot semantics: rows of the imported applications that the file no longer contains
 * get `removed_at` instead of being deleted, so reviews and history keep pointing at them.
 * A row that comes back later has `removed_at` cleared and keeps its id and first-seen time.
 */
import type pg from 'pg';
import type { ImportCounts } from '../entities/import-run.entity.js';
import { linkAccountsToIdentities, mergeIdentities } from './identity-merge.js';
import { mergeApplicationOwners, mergeResourceOwners } from './owner-merge.js';
import { rowKey, syncTable, type SyncResult } from './table-sync.js';
import type { GrantRow, NormalisedImport } from './types.js';

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
  /** Human accounts of the imported applications that no identity matched. */
  orphanedAccounts: number;
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

/**
 * Writes one import in a single transaction, in two phases: principals (applications,
 * identities, accounts) and then access (groups, resources, grants, owners). An importer
 * can hand over each phase's rows and then stream its grants while it still decodes, so
 * PostgreSQL stores them in parallel with the decoding. `writeImport` runs both phases on
 * finished data.
 */
export class ImportWriter {
  private principals?: Promise<Principals>;
  private access?: Promise<Access>;
  private open = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly options: WriteOptions,
  ) {}

  /**
   * Starts the transaction and writes the applications, identities and accounts of `data`,
   * which must not change after this call. Returns at once; errors surface in `finish`.
   */
  startPrincipals(data: NormalisedImport): void {
    this.principals ??= this.begin().then(() => writePrincipals(this.client, data, this.options));
    // Observed here so an early failure is not reported as unhandled; `finish` rethrows it.
    this.principals.catch(() => undefined);
  }

  /**
   * Writes the groups and resources of `data`, which must not change after this call, and
   * streams `grants` into the table as the importer produces them. Returns at once.
   */
  startAccess(data: NormalisedImport, grants: AsyncIterable<GrantRow[]>): void {
    this.startPrincipals(data);
    this.access ??= this.principals!.then((principals) =>
      writeAccess(this.client, data, this.options, principals, grants),
    );
    this.access.catch(() => undefined);
  }

  /** Writes what is left of `data`, then commits, or rolls back for a dry run. */
  async finish(data: NormalisedImport): Promise<WriteCounts> {
    this.startPrincipals(data);
    this.access ??= this.principals!.then((principals) =>
      writeAccess(this.client, data, this.options, principals, data.grants),
    );
    const principals = await this.principals!;
    const access = await this.access;
    await this.options.beforeCommit?.(this.client, principals.applicationIds);
    const orphaned = await this.client.query<{ count: string }>(
      `select count(*) as count from account
        where application_id = any($1) and identity_id is null
          and account_type = 'human' and removed_at is null`,
      [[...principals.applicationIds.values()]],
    );
    await this.client.query(this.options.dryRun ? 'rollback' : 'commit');
    this.open = false;
    return {
      identities: data.identities.length,
      accounts: data.accounts.length,
      groups: data.groups.length,
      resources: data.resources.length,
      grants: data.grants.length,
      added: {
        identities: principals.identities.added,
        accounts: principals.accounts.added,
        groups: access.groups.added,
        resources: access.resources.added,
        grants: access.grants.added,
      },
      removed: {
        grants: access.grants.removed,
        accounts: principals.accounts.removed,
        groups: access.groups.removed,
        resources: access.resources.removed,
      },
      orphanedAccounts: Number(orphaned.rows[0]?.count ?? 0),
    };
  }

  /** Rolls back whatever was written, after any phase still running has stopped. */
  async abort(): Promise<void> {
    await this.principals?.catch(() => undefined);
    await this.access?.catch(() => undefined);
    if (this.open) await this.client.query('rollback').catch(() => undefined);
    this.open = false;
  }

  private async begin() {
    await this.client.query('begin');
    this.open = true;
    await this.client.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    await this.client.query(`set local work_mem = '64MB'`);
  }
}

/** Writes one import in a single transaction and returns its counts. */
export async function writeImport(
  client: pg.ClientBase,
  data: NormalisedImport,
  options: WriteOptions,
): Promise<WriteCounts> {
  const writer = new ImportWriter(client, options);
  try {
    return await writer.finish(data);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

interface Principals {
  applicationIds: Map<string, number>;
  identities: { added: number };
  accounts: SyncResult;
}

async function writePrincipals(
  client: pg.ClientBase,
  data: NormalisedImport,
  options: WriteOptions,
): Promise<Principals> {
  const stage = (name: string) => options.onStage?.(name);
  stage('applications');
  const applicationIds = await ensureApplications(client, data);
  await updateApplications(client, data);
  const appIds = [...applicationIds.values()];
  const appId = (key: string) => applicationIds.get(key)!;
  const markRemoved = !data.partial;

  stage('identities');
  const identities = await mergeIdentities(client, data);

  stage('accounts');
  const accounts = await syncTable(client, {
    table: 'account',
    applicationIds: appIds,
    markRemoved,
    columns: [
      { name: 'login', kind: 'text' },
      { name: 'email', kind: 'text' },
      { name: 'display_name', kind: 'text' },
      // An account the file does not link keeps the identity matching gave it earlier.
      { name: 'identity_id', kind: 'int', keepStoredWhenMissing: true },
      { name: 'account_type', kind: 'text' },
      { name: 'status', kind: 'text' },
      { name: 'last_login_at', kind: 'timestamp', keepStoredWhenMissing: true },
    ],
    rows: data.accounts.map((row) => ({
      applicationId: appId(row.applicationKey),
      externalId: row.externalId,
      values: [
        row.login,
        row.email,
        row.displayName,
        row.identityKey ? identities.ids.get(row.identityKey) : null,
        row.accountType,
        row.status,
        row.lastLoginAt,
      ],
    })),
  });

  stage('matching identities');
  await linkAccountsToIdentities(client, data.identityMode === 'directory' ? undefined : appIds);
  return { applicationIds, identities, accounts };
}

interface Access {
  groups: SyncResult;
  resources: SyncResult;
  grants: SyncResult;
}

async function writeAccess(
  client: pg.ClientBase,
  data: NormalisedImport,
  options: WriteOptions,
  { applicationIds, accounts }: Principals,
  grantRows: GrantRow[] | AsyncIterable<GrantRow[]>,
): Promise<Access> {
  const stage = (name: string) => options.onStage?.(name);
  const appIds = [...applicationIds.values()];
  const appId = (key: string) => applicationIds.get(key)!;
  const markRemoved = !data.partial;

  stage('groups');
  const groups = await syncTable(client, {
    table: 'principal_group',
    applicationIds: appIds,
    markRemoved,
    columns: [{ name: 'display_name', kind: 'text' }],
    rows: data.groups.map((row) => ({
      applicationId: appId(row.applicationKey),
      externalId: row.externalId,
      values: [row.displayName],
    })),
  });

  stage('resources');
  const resources = await syncTable(client, {
    table: 'resource',
    applicationIds: appIds,
    markRemoved,
    columns: [
      { name: 'display_name', kind: 'text' },
      { name: 'description', kind: 'text' },
      { name: 'resource_type', kind: 'text' },
      { name: 'parent_external_id', kind: 'text' },
      { name: 'parent_name', kind: 'text' },
      { name: 'slug', kind: 'text' },
      // A risk level the file does not give keeps the stored one, which an administrator
      // may have set by hand.
      { name: 'risk_level', kind: 'text', keepStoredWhenMissing: true, defaultForNew: 'medium' },
      { name: 'grants_ownership', kind: 'bool' },
    ],
    rows: data.resources.map((row) => ({
      applicationId: appId(row.applicationKey),
      externalId: row.externalId,
      values: [
        row.displayName,
        row.description,
        row.resourceType,
        row.parentExternalId,
        row.parentName,
        row.slug,
        row.riskLevel,
        row.grantsOwnership,
      ],
    })),
  });

  stage('grants');
  const grants = await syncTable(client, {
    table: '"grant"',
    returnIds: false,
    applicationIds: appIds,
    markRemoved,
    columns: [
      { name: 'resource_id', kind: 'int' },
      { name: 'principal_type', kind: 'text' },
      { name: 'account_id', kind: 'int' },
      { name: 'group_id', kind: 'int' },
      { name: 'inherited', kind: 'bool' },
      { name: 'sources', kind: 'json' },
    ],
    rows: mapBatches(grantRows, (row) => {
      const applicationId = appId(row.applicationKey);
      const principal = rowKey(applicationId, row.principalExternalId);
      return {
        applicationId,
        externalId: row.externalId,
        values: [
          resources.ids.get(rowKey(applicationId, row.resourceExternalId)),
          row.principalType,
          row.principalType === 'account' ? accounts.ids.get(principal) : null,
          row.principalType === 'group' ? groups.ids.get(principal) : null,
          row.inherited,
          JSON.stringify(row.sources),
        ],
      };
    }),
  });

  stage('owners');
  await mergeResourceOwners(client, data, appIds, resources.ids, applicationIds);
  await mergeApplicationOwners(client, data);

  return { groups, resources, grants };
}

/** Maps rows that come as one list or as batches over time, keeping the same shape. */
function mapBatches<T, U>(
  rows: T[] | AsyncIterable<T[]>,
  map: (row: T) => U,
): U[] | AsyncIterable<U[]> {
  if (Array.isArray(rows)) return rows.map(map);
  return (async function* () {
    for await (const batch of rows) yield batch.map(map);
  })();
}

/** Creates the applications that do not exist yet and returns the id of each. */
async function ensureApplications(client: pg.ClientBase, data: NormalisedImport) {
  const ids = new Map<string, number>();
  for (const application of data.applications) {
    await client.query(
      `insert into application (key, name, description, risk_level)
       values ($1::text, coalesce($2::text, $1::text), $3::text, coalesce($4::text, 'medium'))
       on conflict (key) do nothing`,
      [
        application.key,
        application.name ?? null,
        application.description ?? null,
        application.riskLevel ?? null,
      ],
    );
    const row = await client.query<{ id: number }>('select id from application where key = $1', [
      application.key,
    ]);
    ids.set(application.key, row.rows[0]!.id);
  }
  return ids;
}

/** Updates the name, description and risk level a file gives, only where they differ. */
async function updateApplications(client: pg.ClientBase, data: NormalisedImport) {
  for (const application of data.applications) {
    if (!application.name && !application.description && !application.riskLevel) continue;
    await client.query(
      `update application set name = coalesce($2::text, name), description = coalesce($3::text, description),
         risk_level = coalesce($4::text, risk_level)
       where key = $1 and (name, description, risk_level) is distinct from
         (coalesce($2::text, name), coalesce($3::text, description), coalesce($4::text, risk_level))`,
      [
        application.key,
        application.name ?? null,
        application.description ?? null,
        application.riskLevel ?? null,
      ],
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
