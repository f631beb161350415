/**
 * Reads the `v1_*` tables of a c1z SQLite database into normalised rows. Each Baton user
 * becomes an account and, matched by email or login, an identity; every entitlement becomes
 * a resource; grants keep their sources.
 */
import type Database from 'better-sqlite3';
import {
  decodeEntitlement,
  decodeGrant,
  decodeResource,
  decodeResourceType,
  type BatonResource,
  type BatonResourceType,
} from './baton-messages.js';
import { identityKeyFor, isEmail, OWNERSHIP_SLUGS, UniqueRows } from './normalise.js';
import { RowQueue } from './row-queue.js';
import {
  emptyImport,
  ImportFileError,
  type AccountRow,
  type BadRow,
  type GrantRow,
  type GroupRow,
  type IdentityRow,
  type ImportOptions,
  type NormalisedImport,
  type ResourceRow,
} from './types.js';

const REQUIRED_TABLES = [
  'v1_resource_types',
  'v1_resources',
  'v1_entitlements',
  'v1_grants',
  'v1_sync_runs',
];
const YIELD_EVERY_ROWS = 2000;

interface SyncRun {
  sync_id: string;
  started_at: string;
  ended_at: string | null;
}

/** State the table readers share: the open database, the chosen sync and the bad rows. */
interface ReadContext {
  sqlite: Database.Database;
  syncId: string;
  file: string;
  applicationKey: string;
  badRows: BadRow[];
  warnings: BadRow[];
  types: Map<string, BatonResourceType>;
  /** Counts a row for the progress bar. */
  progress(): void;
  /** Yields to the event loop every YIELD_EVERY_ROWS rows, so a writer can progress. */
  pause(): Promise<void> | undefined;
  rowsRead(): number;
}

interface Principals {
  /** Every resource by its `type:id` key, so entitlements and grants can name their object. */
  objects: Map<string, BatonResource>;
  accounts: UniqueRows<AccountRow>;
  groups: UniqueRows<GroupRow>;
  identities: IdentityRow[];
  /** Display name of the connector's application resource, when there is exactly one. */
  applicationName?: string;
}

/** Reads the latest finished sync (or, when allowed, unfinished one) of an open c1z database. */
export async function readC1zDatabase(
  sqlite: Database.Database,
  options: ImportOptions,
  applicationKey: string,
): Promise<NormalisedImport> {
  checkTables(sqlite, options.file);
  const sync = chooseSync(sqlite, options);
  const result = emptyImport('c1z', 'accounts');
  result.syncId = sync.sync_id;

  const total = countRows(sqlite, sync.sync_id);
  let done = 0;
  const context: ReadContext = {
    sqlite,
    syncId: sync.sync_id,
    file: options.file,
    applicationKey,
    badRows: result.badRows,
    warnings: result.warnings,
    types: readResourceTypes(sqlite, sync.sync_id),
    progress: () => {
      done++;
      if (done % 5000 === 0) options.onProgress?.(done, total, 'reading');
    },
    pause: () =>
      done % YIELD_EVERY_ROWS === 0
        ? new Promise<void>((resolve) => setImmediate(resolve))
        : undefined,
    rowsRead: () => done,
  };

  const principals = readPrincipals(context);
  // Applications, identities and accounts are complete now. Handing them over lets the
  // writer store them while the entitlements and grants below are still being decoded.
  result.applications.push({
    key: applicationKey,
    name: principals.applicationName ?? applicationKey,
  });
  result.identities = principals.identities;
  result.accounts = principals.accounts.values();
  options.onPrincipalsReady?.(result);

  const resources = await readEntitlements(context, principals.objects);
  addOtherPrincipalGroups(context, principals);
  result.groups = principals.groups.values();
  result.resources = resources;

  // Grants go to the writer in batches while they are decoded, when a writer is listening.
  const queue = options.onResourcesReady ? new RowQueue<GrantRow>() : undefined;
  if (queue) options.onResourcesReady!(result, queue);
  try {
    result.grants = await readGrants(context, principals, resources, queue);
    queue?.end();
  } catch (error) {
    queue?.fail(error);
    throw error;
  }
  options.onProgress?.(total, total, 'reading');
  return result;
}

function checkTables(sqlite: Database.Database, file: string) {
  const rows = sqlite.prepare(`select name from sqlite_master where type = 'table'`).all() as {
    name: string;
  }[];
  const tables = new Set(rows.map((row) => row.name));
  const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
  if (missing.length > 0) {
    throw new ImportFileError(
      file,
      `the c1z database lacks the tables ${missing.join(', ')}, so it was not written by a Baton connector ` +
        'with the v1 SQLite layout. Check the file.',
    );
  }
}

/** Picks the latest finished full sync, or with `allowUnfinishedSync` the latest of any. */
function chooseSync(sqlite: Database.Database, options: ImportOptions): SyncRun {
  const runs = sqlite
    .prepare(
      `select sync_id, started_at, ended_at from v1_sync_runs
       where coalesce(sync_type, 'full') in ('full', '') order by started_at desc, id desc`,
    )
    .all() as SyncRun[];
  if (runs.length === 0) {
    throw new ImportFileError(
      options.file,
      'the c1z file holds no full sync, so there is nothing to import.',
    );
  }
  const finished = runs.find((run) => run.ended_at);
  if (finished) return finished;
  if (options.allowUnfinishedSync) return runs[0]!;
  throw new ImportFileError(
    options.file,
    `the c1z file holds no finished sync (the latest, ${runs[0]!.sync_id}, started ${localStart(runs[0]!.started_at)} and never ended), ` +
      'so its data may be incomplete. Run the connector again until its sync finishes, ' +
      'or pass --allow-unfinished-sync to import the unfinished sync anyway.',
  );
}

/**
 * Formats a sync's start time for messages. Baton writes it in the connector machine's local
 * time without a zone, so the message names it as local time instead of implying UTC.
 */
function localStart(startedAt: string): string {
  const seconds = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.exec(startedAt)?.[0];
  return seconds ? `${seconds} in the connector's local time` : startedAt;
}

function countRows(sqlite: Database.Database, syncId: string): number {
  const counts = sqlite
    .prepare(
      `select (select count(*) from v1_resources where sync_id = ?)
            + (select count(*) from v1_entitlements where sync_id = ?)
            + (select count(*) from v1_grants where sync_id = ?) as total`,
    )
    .get(syncId, syncId, syncId) as { total: number };
  return counts.total;
}

function readResourceTypes(sqlite: Database.Database, syncId: string) {
  const types = new Map<string, BatonResourceType>();
  for (const [externalId, data] of sqlite
    .prepare('select external_id, data from v1_resource_types where sync_id = ?')
    .raw()
    .iterate(syncId) as Iterable<[string, Buffer]>) {
    const type = decodeResourceType(data);
    types.set(type.id || externalId, type);
  }
  return types;
}

function hasTrait(context: ReadContext, typeId: string, trait: 'user' | 'group') {
  return context.types.get(typeId)?.traits.includes(trait) ?? typeId === trait;
}

/** Reads `v1_resources`: users become accounts and identities, groups principal groups. */
function readPrincipals(context: ReadContext): Principals {
  const { file, badRows, warnings, applicationKey } = context;
  const objects = new Map<string, BatonResource>();
  const accounts = new UniqueRows<AccountRow>(file, 'user', badRows, warnings, 'v1_resources row');
  const groups = new UniqueRows<GroupRow>(file, 'group', badRows, warnings, 'v1_resources row');
  const identities = new Map<string, IdentityRow>();
  const applicationNames: string[] = [];

  for (const [id, typeId, externalId, data] of context.sqlite
    .prepare('select id, resource_type_id, external_id, data from v1_resources where sync_id = ?')
    .raw()
    .iterate(context.syncId) as Iterable<[number, string, string, Buffer]>) {
    context.progress();
    const location = `v1_resources row ${id}`;
    let resource: BatonResource;
    try {
      resource = decodeResource(data);
    } catch (error) {
      badRows.push({
        file,
        location,
        field: 'data',
        reason: `cannot decode the Resource message: ${(error as Error).message}`,
      });
      continue;
    }
    const key = `${resource.id?.resourceType || typeId}:${resource.id?.resource || externalId.split(':').pop()}`;
    objects.set(key, resource);
    if (context.types.get(typeId)?.traits.includes('app'))
      applicationNames.push(resource.displayName);

    if (hasTrait(context, typeId, 'user') || resource.user) {
      const user = resource.user;
      const email = (
        user?.emails.find((entry) => entry.isPrimary) ?? user?.emails[0]
      )?.address?.trim();
      if (email && !isEmail(email)) {
        badRows.push({
          file,
          location,
          field: 'UserTrait.emails',
          reason: `invalid email "${email}"`,
        });
        continue;
      }
      const login = user?.login?.trim() || undefined;
      const isService = user?.accountType === 'service' || user?.accountType === 'system';
      const account: AccountRow = {
        applicationKey,
        externalId: key,
        login,
        email,
        displayName: resource.displayName || login || email || key,
        accountType: isService ? 'service' : 'human',
        status: accountStatus(user?.status ?? resource.status ?? 'unspecified'),
        lastLoginAt: user?.lastLogin,
      };
      // The file does not name the owner of a service account, so it links to an identity
      // only when one with the same email already exists.
      const identityKey = isService ? undefined : identityKeyFor(email, login);
      if (identityKey) {
        account.identityKey = identityKey;
        if (!identities.has(identityKey)) {
          identities.set(identityKey, {
            key: identityKey,
            email: email?.toLowerCase(),
            login: login?.toLowerCase(),
            displayName: account.displayName,
          });
        }
      }
      accounts.add(key, account, id);
    } else if (hasTrait(context, typeId, 'group') || resource.isGroup) {
      groups.add(
        key,
        { applicationKey, externalId: key, displayName: resource.displayName || key },
        id,
      );
    }
  }
  return {
    objects,
    accounts,
    groups,
    identities: [...identities.values()],
    applicationName: applicationNames.length === 1 ? applicationNames[0] : undefined,
  };
}

function accountStatus(status: string): AccountRow['status'] {
  if (status === 'enabled') return 'enabled';
  if (status === 'unspecified') return 'unknown';
  return 'disabled';
}

/** Reads `v1_entitlements` into resources named `<object> · <entitlement>`. */
async function readEntitlements(
  context: ReadContext,
  objects: Map<string, BatonResource>,
): Promise<ResourceRow[]> {
  const { file, badRows, warnings, applicationKey } = context;
  const resources = new UniqueRows<ResourceRow>(
    file,
    'entitlement',
    badRows,
    warnings,
    'v1_entitlements row',
  );
  for (const [id, externalId, data] of context.sqlite
    .prepare('select id, external_id, data from v1_entitlements where sync_id = ?')
    .raw()
    .iterate(context.syncId) as Iterable<[number, string, Buffer]>) {
    context.progress();
    await context.pause();
    const location = `v1_entitlements row ${id}`;
    let entitlement;
    try {
      entitlement = decodeEntitlement(data);
    } catch (error) {
      badRows.push({
        file,
        location,
        field: 'data',
        reason: `cannot decode the Entitlement message: ${(error as Error).message}`,
      });
      continue;
    }
    const parentId = entitlement.resource?.id;
    if (!parentId?.resourceType) {
      badRows.push({
        file,
        location,
        field: 'resource',
        reason: 'the entitlement names no resource it belongs to',
      });
      continue;
    }
    const parentKey = `${parentId.resourceType}:${parentId.resource}`;
    const parentName =
      objects.get(parentKey)?.displayName || entitlement.resource?.displayName || parentKey;
    const slug = entitlement.slug || entitlement.displayName;
    const grantsOwnership = OWNERSHIP_SLUGS.has(slug.toLowerCase());
    const entitlementId = entitlement.id || externalId;
    resources.add(
      entitlementId,
      {
        applicationKey,
        externalId: entitlementId,
        displayName: `${parentName} · ${entitlement.displayName || slug}`,
        description: entitlement.description || undefined,
        resourceType: parentId.resourceType,
        parentExternalId: parentKey,
        parentName,
        slug: slug || undefined,
        riskLevel: grantsOwnership ? 'high' : undefined,
        grantsOwnership,
      },
      id,
    );
  }
  return resources.values();
}

/**
 * Adds principal groups for principals that are neither users nor groups (a role granted to
 * a role, say), which can still hold resources. They are found before the grants are read,
 * so the groups are complete when they are handed to the writer.
 */
function addOtherPrincipalGroups(context: ReadContext, { objects, accounts, groups }: Principals) {
  for (const [typeId, resourceId] of context.sqlite
    .prepare(
      'select distinct principal_resource_type_id, principal_resource_id from v1_grants where sync_id = ?',
    )
    .raw()
    .iterate(context.syncId) as Iterable<[string, string]>) {
    const key = `${typeId}:${resourceId}`;
    const object = objects.get(key);
    if (object && !accounts.has(key) && !groups.has(key) && !hasTrait(context, typeId, 'user')) {
      groups.add(
        key,
        {
          applicationKey: context.applicationKey,
          externalId: key,
          displayName: object.displayName || key,
        },
        `principal ${key}`,
      );
    }
  }
}

/**
 * Reads `v1_grants`, pushing each batch of grants to `queue` as it is decoded. The c1z
 * schema has a unique index on (external_id, sync_id), so grant ids cannot repeat within a
 * sync and need no duplicate check.
 */
async function readGrants(
  context: ReadContext,
  { accounts, groups }: Principals,
  resources: ResourceRow[],
  queue: RowQueue<GrantRow> | undefined,
): Promise<GrantRow[]> {
  const { file, badRows, applicationKey } = context;
  const resourceNames = new Map(resources.map((row) => [row.externalId, row.displayName]));
  const grants: GrantRow[] = [];
  let handedOver = 0;
  for (const [id, externalId, entitlementId, principalType, principalId, data] of context.sqlite
    .prepare(
      `select id, external_id, entitlement_id, principal_resource_type_id, principal_resource_id, data
       from v1_grants where sync_id = ?`,
    )
    .raw()
    .iterate(context.syncId) as Iterable<[number, string, string, string, string, Buffer]>) {
    context.progress();
    if (queue && context.rowsRead() % YIELD_EVERY_ROWS === 0) {
      queue.push(grants.slice(handedOver));
      handedOver = grants.length;
    }
    await context.pause();
    const location = `v1_grants row ${id}`;
    let decoded;
    try {
      decoded = decodeGrant(data);
    } catch (error) {
      badRows.push({
        file,
        location,
        field: 'data',
        reason: `cannot decode the Grant message: ${(error as Error).message}`,
      });
      continue;
    }
    const resourceId = decoded.entitlementId || entitlementId;
    if (!resourceNames.has(resourceId)) {
      badRows.push({
        file,
        location,
        field: 'entitlement',
        reason: `unknown entitlement "${resourceId}"`,
      });
      continue;
    }
    const principalKey = `${decoded.principal?.resourceType || principalType}:${decoded.principal?.resource || principalId}`;
    let type: 'account' | 'group';
    if (accounts.has(principalKey)) type = 'account';
    else if (groups.has(principalKey)) type = 'group';
    else {
      badRows.push({
        file,
        location,
        field: 'principal',
        reason: `unknown principal "${principalKey}"`,
      });
      continue;
    }
    const sources = decoded.sources.map((source) => ({
      resourceExternalId: source.entitlementId,
      resourceName: resourceNames.get(source.entitlementId),
    }));
    const inherited =
      sources.length > 0 &&
      !decoded.sources.some((source) => source.entitlementId === resourceId || source.isDirect);
    grants.push({
      applicationKey,
      externalId: decoded.id || externalId,
      resourceExternalId: resourceId,
      principalType: type,
      principalExternalId: principalKey,
      inherited,
      sources,
    });
  }
  queue?.push(grants.slice(handedOver));
  return grants;
}
