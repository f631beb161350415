/**
 * Baton c1z v1 files: the 5 bytes `C1ZF\0`, then a zstd stream of a SQLite database whose
 * `v1_*` tables hold one protobuf-encoded Baton message per row. Each Baton user becomes an
 * account and, matched by email or login, an identity; every entitlement becomes a resource.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { Decompress } from 'fzstd';
import {
  decodeEntitlement,
  decodeGrant,
  decodeResource,
  decodeResourceType,
  type BatonResource,
  type BatonResourceType,
} from './baton-messages.js';
import { identityKeyFor, isEmail, toApplicationKey, UniqueRows } from './normalise.js';
import { RowQueue } from './row-queue.js';
import {
  emptyImport,
  ImportFileError,
  type AccountRow,
  type GrantRow,
  type GroupRow,
  type Importer,
  type ImportOptions,
  type NormalisedImport,
  type ResourceRow,
} from './types.js';

const V1_HEADER = 'C1ZF\0';
const PEBBLE_HEADER = 'C1Z3\0';
const REQUIRED_TABLES = [
  'v1_resource_types',
  'v1_resources',
  'v1_entitlements',
  'v1_grants',
  'v1_sync_runs',
];

const YIELD_EVERY_ROWS = 2000;

/** Entitlement slugs whose holders own the object the entitlement belongs to. */
export const OWNERSHIP_SLUGS = new Set(['owner', 'owners', 'admin', 'admins', 'administrator']);

function header(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 5)).toString('latin1');
}

interface SyncRun {
  sync_id: string;
  started_at: string;
  ended_at: string | null;
  sync_type: string | null;
}

export const c1zImporter: Importer = {
  format: 'c1z',

  detect(head) {
    const start = header(head);
    return start === V1_HEADER || start === PEBBLE_HEADER;
  },

  async parse(bytes, options) {
    const start = header(bytes);
    if (start === PEBBLE_HEADER) {
      throw new ImportFileError(
        options.file,
        'this is a c1z file in the Pebble format (header C1Z3), and Recert reads only the SQLite format (header C1ZF). ' +
          'Run the sync again with a connector built on a baton-sdk release that writes the SQLite format, ' +
          'or export the data as baton-file JSON, and import that file.',
      );
    }
    if (start !== V1_HEADER) {
      throw new ImportFileError(
        options.file,
        `not a c1z file: it does not start with the c1z header "C1ZF\\0". Check the file, or pass the right --format.`,
      );
    }

    // better-sqlite3 cannot open a WAL-mode database from memory, so the decompressed bytes
    // go to a private temporary folder, which the finally block below removes.
    const folder = await mkdtemp(join(tmpdir(), 'recert-c1z-'));
    const path = join(folder, 'sync.db');
    try {
      await decompressToFile(bytes.subarray(5), path, options.file);
      let sqlite: Database.Database;
      try {
        sqlite = new Database(path, { readonly: true, fileMustExist: true });
      } catch (error) {
        throw corrupt(options.file, error);
      }
      try {
        return await readSqlite(sqlite, options);
      } catch (error) {
        if (error instanceof ImportFileError) throw error;
        if (error instanceof Database.SqliteError) throw corrupt(options.file, error);
        throw error;
      } finally {
        sqlite.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  },
};

/**
 * Decompresses the zstd stream into `path`. Each decompressed block is handed to the file
 * as soon as it exists; the writes run on libuv's thread pool while decompression goes on.
 */
async function decompressToFile(compressed: Uint8Array, path: string, file: string) {
  const handle = await open(path, 'wx', 0o600);
  const writes: Promise<unknown>[] = [];
  let position = 0;
  let finished = false;
  try {
    const stream = new Decompress((chunk, final) => {
      // The decoder may reuse its buffers, so each write gets its own copy.
      writes.push(handle.write(chunk.slice(), 0, chunk.length, position));
      position += chunk.length;
      if (final) finished = true;
    });
    const step = 1 << 20;
    for (let offset = 0; offset < compressed.length; offset += step) {
      const end = Math.min(offset + step, compressed.length);
      stream.push(compressed.subarray(offset, end), end === compressed.length);
    }
    if (!finished) throw new Error('unexpected end of the zstd stream');
  } catch (error) {
    throw new ImportFileError(
      file,
      `the c1z file is truncated or corrupt: its zstd stream cannot be decompressed (${(error as Error).message}). ` +
        'Copy or download the file again.',
    );
  } finally {
    await Promise.allSettled(writes);
    await handle.close();
  }
  await Promise.all(writes);
}

function accountStatus(status: string): AccountRow['status'] {
  if (status === 'enabled') return 'enabled';
  if (status === 'unspecified') return 'unknown';
  return 'disabled';
}

function corrupt(file: string, error: unknown) {
  return new ImportFileError(
    file,
    `the c1z file is corrupt: its SQLite database cannot be read (${(error as Error).message}). ` +
      'Copy or download the file again.',
  );
}

/** Picks the latest finished full sync, or with `allowUnfinished` the latest of any. */
function chooseSync(sqlite: Database.Database, options: ImportOptions): SyncRun {
  const runs = sqlite
    .prepare(
      `select sync_id, started_at, ended_at, sync_type from v1_sync_runs
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
    `the c1z file holds no finished sync (the latest, ${runs[0]!.sync_id}, started ${runs[0]!.started_at} and never ended), ` +
      'so its data may be incomplete. Run the connector again until its sync finishes, ' +
      'or pass --allow-unfinished-sync to import the unfinished sync anyway.',
  );
}

async function readSqlite(
  sqlite: Database.Database,
  options: ImportOptions,
): Promise<NormalisedImport> {
  const file = options.file;
  const tables = new Set(
    (
      sqlite.prepare(`select name from sqlite_master where type = 'table'`).all() as {
        name: string;
      }[]
    ).map((row) => row.name),
  );
  const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
  if (missing.length > 0) {
    throw new ImportFileError(
      file,
      `the c1z database lacks the tables ${missing.join(', ')}; it was not written by a Baton connector ` +
        'with the v1 SQLite layout. Check the file.',
    );
  }

  const sync = chooseSync(sqlite, options);
  const result = emptyImport('c1z', 'accounts');
  result.syncId = sync.sync_id;
  const { badRows, warnings } = result;

  const types = new Map<string, BatonResourceType>();
  for (const row of sqlite
    .prepare('select external_id, data from v1_resource_types where sync_id = ?')
    .raw()
    .iterate(sync.sync_id) as Iterable<[string, Buffer]>) {
    const type = decodeResourceType(row[1]);
    types.set(type.id || row[0], type);
  }
  const isUserType = (id: string) => types.get(id)?.traits.includes('user') ?? id === 'user';
  const isGroupType = (id: string) => types.get(id)?.traits.includes('group') ?? id === 'group';

  const counts = sqlite
    .prepare(
      `select (select count(*) from v1_resources where sync_id = ?) as resources,
              (select count(*) from v1_entitlements where sync_id = ?) as entitlements,
              (select count(*) from v1_grants where sync_id = ?) as grants`,
    )
    .get(sync.sync_id, sync.sync_id, sync.sync_id) as {
    resources: number;
    entitlements: number;
    grants: number;
  };
  const total = counts.resources + counts.entitlements + counts.grants;
  let done = 0;
  const progress = () => {
    done++;
    if (done % 5000 === 0) options.onProgress?.(done, total, 'reading');
  };
  // Lets queued database I/O run now and then, so a writer started by onPrincipalsReady
  // makes progress while this function decodes.
  const pause = () =>
    done % YIELD_EVERY_ROWS === 0
      ? new Promise<void>((resolve) => setImmediate(resolve))
      : undefined;

  // Resources: users become accounts, groups become principal groups; every resource is
  // kept by its `type:id` key so entitlements and grants can name their parent object.
  const objects = new Map<string, BatonResource>();
  let appName: string | undefined;
  const accounts = new UniqueRows<AccountRow>(file, 'user', badRows, warnings, 'v1_resources row');
  const groups = new UniqueRows<GroupRow>(file, 'group', badRows, warnings, 'v1_resources row');
  const identities = new Map<string, NormalisedImport['identities'][number]>();
  const applicationKey = options.application ?? defaultApplicationKey(file);

  for (const [id, typeId, externalId, data] of sqlite
    .prepare('select id, resource_type_id, external_id, data from v1_resources where sync_id = ?')
    .raw()
    .iterate(sync.sync_id) as Iterable<[number, string, string, Buffer]>) {
    progress();
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
    if (types.get(typeId)?.traits.includes('app') && !appName) appName = resource.displayName;

    if (isUserType(typeId) || resource.user) {
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
      const status = user?.status ?? resource.status ?? 'unspecified';
      const account: AccountRow = {
        applicationKey,
        externalId: key,
        login,
        email,
        displayName: resource.displayName || login || email || key,
        accountType: isService ? 'service' : 'human',
        status: accountStatus(status),
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
    } else if (isGroupType(typeId) || resource.isGroup) {
      groups.add(
        key,
        { applicationKey, externalId: key, displayName: resource.displayName || key },
        id,
      );
    }
  }

  // Applications, identities and accounts are complete now. Handing them over lets the
  // writer store them while the entitlements and grants below are still being decoded.
  result.applications.push({ key: applicationKey, name: appName ?? applicationKey });
  result.identities = [...identities.values()];
  result.accounts = accounts.values();
  options.onPrincipalsReady?.(result);

  const resources = new UniqueRows<ResourceRow>(
    file,
    'entitlement',
    badRows,
    warnings,
    'v1_entitlements row',
  );
  for (const [id, externalId, data] of sqlite
    .prepare('select id, external_id, data from v1_entitlements where sync_id = ?')
    .raw()
    .iterate(sync.sync_id) as Iterable<[number, string, Buffer]>) {
    progress();
    await pause();
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
    const parent = objects.get(parentKey);
    const parentName = parent?.displayName || entitlement.resource?.displayName || parentKey;
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

  // Principals that are neither users nor groups (a role granted to a role, say) can still
  // hold resources, so Recert stores them as principal groups. They are found before the
  // grants are read, so the groups are complete when they are handed over below.
  for (const [typeId, resourceId] of sqlite
    .prepare(
      'select distinct principal_resource_type_id, principal_resource_id from v1_grants where sync_id = ?',
    )
    .raw()
    .iterate(sync.sync_id) as Iterable<[string, string]>) {
    const key = `${typeId}:${resourceId}`;
    const object = objects.get(key);
    if (object && !accounts.has(key) && !groups.has(key) && !isUserType(typeId)) {
      groups.add(
        key,
        { applicationKey, externalId: key, displayName: object.displayName || key },
        `principal ${key}`,
      );
    }
  }
  result.groups = groups.values();
  result.resources = resources.values();
  const resourceNames = new Map(result.resources.map((row) => [row.externalId, row.displayName]));

  // Grants go to the writer in batches while they are decoded, when a writer is listening.
  // The c1z schema has a unique index on (external_id, sync_id), so grant ids cannot repeat
  // within a sync and need no duplicate check.
  const grants: GrantRow[] = [];
  const queue = options.onResourcesReady ? new RowQueue<GrantRow>() : undefined;
  if (queue) options.onResourcesReady!(result, queue);
  let handedOver = 0;
  try {
    for (const [id, externalId, entitlementId, principalType, principalId, data] of sqlite
      .prepare(
        `select id, external_id, entitlement_id, principal_resource_type_id, principal_resource_id, data
         from v1_grants where sync_id = ?`,
      )
      .raw()
      .iterate(sync.sync_id) as Iterable<[number, string, string, string, string, Buffer]>) {
      progress();
      if (queue && done % YIELD_EVERY_ROWS === 0) {
        queue.push(grants.slice(handedOver));
        handedOver = grants.length;
      }
      await pause();
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
    queue?.end();
  } catch (error) {
    queue?.fail(error);
    throw error;
  }
  options.onProgress?.(total, total, 'reading');

  result.grants = grants;
  return result;
}

/**
 * Derives the application key of a c1z file imported without `--application`: its name up
 * to the first dot, so `github.c1z` and `github.2025-06-01.c1z` are snapshots of one
 * application.
 */
export function defaultApplicationKey(file: string): string {
  const name = basename(file).split('.')[0] ?? '';
  return toApplicationKey(name) || 'baton';
}
