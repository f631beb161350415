/**
 * Imports one file end to end: read, detect the format, parse and validate every row, then
 * write with the shared writer in one transaction and record the run in `import_run` and
 * `audit_event`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import { batonFileImporter } from './baton-file.js';
import { c1zImporter } from './c1z.js';
import { csvImporter } from './csv.js';
import { scimImporter } from './scim.js';
import {
  BadRowsError,
  countBadRows,
  ImportFileError,
  type BadRow,
  type Importer,
  type ImportFormat,
  type ImportOptions,
  type NormalisedImport,
} from './types.js';
import { ImportWriter, toImportCounts, type WriteCounts } from './writer.js';

/** Importers in the order auto-detection tries them. */
export const IMPORTERS: readonly Importer[] = [
  c1zImporter,
  scimImporter,
  batonFileImporter,
  csvImporter,
];

export interface ImportFileOptions {
  format?: ImportFormat | 'auto';
  /** Application key; see each format in docs/importing.md for the default. */
  application?: string;
  /** Parses, validates and writes in a transaction that is rolled back. */
  dryRun?: boolean;
  /** Imports the good rows of a file that has bad rows, instead of nothing. */
  skipBadRows?: boolean;
  allowUnfinishedSync?: boolean;
  /** Actor recorded in the audit log; default `cli:<os user>`. */
  actor?: string;
  /** Value of `import_run.source_file`; default the file name as given. */
  sourceFile?: string;
  onProgress?: (done: number, total: number, stage: string) => void;
  log?: Logger;
}

/** Summary of one import, as `recert import --json` prints it. */
export interface ImportSummary {
  file: string;
  format: ImportFormat;
  applications: string[];
  syncId?: string;
  sha256: string;
  dryRun: boolean;
  identities: number;
  accounts: number;
  groups: number;
  resources: number;
  grants: number;
  added: WriteCounts['added'];
  /** Rows of the imported applications that were stored but are not in this file any more. */
  removed: number;
  removedByKind: WriteCounts['removed'];
  /** Human accounts of the imported applications that no identity matched. */
  orphanedAccounts: number;
  badRows: number;
  badRowDetails: BadRow[];
  warnings: BadRow[];
  importRunId?: number;
}

export function defaultActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers); keep $USER.
  }
  return `cli:${user}`;
}

/** Picks the importer for a file: the one `format` names, or the first that recognises it. */
export function chooseImporter(
  bytes: Uint8Array,
  file: string,
  format: ImportFormat | 'auto' = 'auto',
): Importer {
  if (bytes.length === 0 || !Buffer.from(bytes.subarray(0, 4096)).toString('utf8').trim()) {
    throw new ImportFileError(file, 'the file is empty. Export the data again.');
  }
  const head = bytes.subarray(0, 64 * 1024);
  const detected = IMPORTERS.find((importer) => importer.detect(head, file));
  if (format !== 'auto') {
    const importer = IMPORTERS.find((candidate) => candidate.format === format)!;
    if (!importer.detect(head, file)) {
      const reason = !detected && importer.explainMismatch?.(head);
      if (reason) throw new ImportFileError(file, `this is not a ${format} file: ${reason}`);
      const looksLike = detected
        ? `it looks like ${detected.format}`
        : 'its format is not recognised';
      throw new ImportFileError(
        file,
        `this is not a ${format} file (${looksLike}). Pass --format ${detected?.format ?? 'auto'}, or check the file.`,
      );
    }
    return importer;
  }
  const csv = IMPORTERS.find((candidate) => candidate.format === 'csv');
  if (!detected && /\.(csv|tsv|txt)$/i.test(file) && csv?.explainMismatch) {
    throw new ImportFileError(
      file,
      `the file is not a CSV of grants: ${csv.explainMismatch(head)}`,
    );
  }
  if (!detected) {
    throw new ImportFileError(
      file,
      'the format is not recognised: expected a Baton c1z file, baton-file JSON or YAML, SCIM 2.0 JSON, or a CSV of grants with a header row (see docs/importing.md). Pass --format if the file is one of these.',
    );
  }
  return detected;
}

/** Parses a file's bytes with the chosen importer and applies the bad-row rule. */
export async function parseImport(
  bytes: Uint8Array,
  file: string,
  options: ImportFileOptions & Pick<ImportOptions, 'onPrincipalsReady' | 'onResourcesReady'>,
): Promise<NormalisedImport> {
  const importer = chooseImporter(bytes, file, options.format);
  const data = await importer.parse(bytes, {
    file,
    application: options.application,
    allowUnfinishedSync: options.allowUnfinishedSync,
    onProgress: options.onProgress,
    onPrincipalsReady: options.onPrincipalsReady,
    onResourcesReady: options.onResourcesReady,
  });
  if (data.badRows.length > 0 && !options.skipBadRows) throw new BadRowsError(file, data.badRows);
  const rows =
    data.identities.length +
    data.accounts.length +
    data.groups.length +
    data.resources.length +
    data.grants.length;
  if (rows === 0) {
    // An empty snapshot would mark everything stored for the application as removed, which
    // is far more often a failed export than a real change.
    throw new ImportFileError(
      file,
      `the file holds no rows to import, so importing it would mark everything stored for ${data.applications.map((app) => app.key).join(', ')} as removed. Check that the export finished.`,
    );
  }
  return data;
}

/** Reads and imports one file; see {@link importBytes}. */
export async function importFile(
  orm: MikroORM,
  file: string,
  options: ImportFileOptions = {},
): Promise<ImportSummary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `no such file (looked in ${resolve(file)}); check the path, or give an absolute one`
        : code === 'EISDIR'
          ? 'it is a folder, not a file; name one .c1z, .json, .yaml or .csv file inside it'
          : (error as Error).message;
    throw new ImportFileError(file, `cannot read the file: ${reason}.`);
  }
  return importBytes(orm, bytes, file, { sourceFile: resolve(file), ...options });
}

/**
 * Imports the bytes of one file. Throws ImportFileError for a file that cannot be read as
 * its format, and BadRowsError for bad rows without `skipBadRows`. After these and after
 * any database error, no access data has changed. Outside a dry run, the failure is
 * recorded as a failed `import_run` row and a failed `audit_event`.
 */
export async function importBytes(
  orm: MikroORM,
  bytes: Uint8Array,
  file: string,
  options: ImportFileOptions = {},
): Promise<ImportSummary> {
  const startedAt = new Date();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const actor = options.actor ?? defaultActor();
  const sourceFile = options.sourceFile ?? file;
  const dryRun = options.dryRun ?? false;
  const client = new pg.Client({ connectionString: orm.config.getClientUrl() });
  await client.connect();
  let format: ImportFormat | undefined =
    options.format && options.format !== 'auto' ? options.format : undefined;
  let importRunId: number | undefined;
  let data: NormalisedImport | undefined;
  const writer = new ImportWriter(client, {
    dryRun,
    onStage: (stage) => options.onProgress?.(0, 0, `writing ${stage}`),
    beforeCommit: async (tx, applicationIds) => {
      if (dryRun || !data) return;
      const stored = toImportCounts(
        pendingCounts(data),
        countBadRows(data.badRows),
        data.warnings.length,
      );
      const run = await tx.query<{ id: number }>(
        `insert into import_run (application_id, source_file, sha256, format, sync_id, counts, started_at, finished_at, status, actor)
         values ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), 'succeeded', $8) returning id`,
        [
          applicationIds.values().next().value ?? null,
          sourceFile,
          sha256,
          data.format,
          data.syncId ?? null,
          stored,
          startedAt,
          actor,
        ],
      );
      importRunId = run.rows[0]!.id;
      await tx.query(
        `insert into import_run_application (import_run_id, application_id)
         select $1, unnest($2::int[])`,
        [importRunId, [...applicationIds.values()]],
      );
      for (const key of applicationIds.keys()) {
        await tx.query(
          `insert into audit_event (actor, action, target_type, target_id, outcome, detail)
           values ($1, 'import', 'application', $2, 'ok', $3)`,
          [
            actor,
            key,
            {
              importRunId,
              file: sourceFile,
              sha256,
              format: data.format,
              syncId: data.syncId ?? null,
            },
          ],
        );
      }
    },
  });
  try {
    // Importers that can hand over principals early get them written while they go on
    // reading; the bad-row rule below still rolls everything back.
    data = await parseImport(bytes, file, {
      ...options,
      onPrincipalsReady: (principals) => writer.startPrincipals(principals),
      onResourcesReady: (resources, grants) => writer.startAccess(resources, grants),
    });
    format = data.format;
    options.log?.info(
      {
        file,
        format,
        accounts: data.accounts.length,
        grants: data.grants.length,
        badRows: countBadRows(data.badRows),
      },
      'parsed import file',
    );

    const counts = await writer.finish(data);
    // A partial export looks like mass removal, and the summary alone shows only a count.
    const removedGrants = counts.removed.grants;
    if (removedGrants >= 10 && removedGrants >= counts.grants) {
      const storedBefore = removedGrants + counts.grants - counts.added.grants;
      const share = Math.round((100 * removedGrants) / Math.max(storedBefore, 1));
      data.warnings.push({
        file,
        location: 'whole file',
        reason: `${removedGrants} of the ${storedBefore} stored grants (${share}%) are missing from the file and are marked removed. Check that the export is complete${dryRun ? ' before importing it' : ''}.`,
      });
    }
    if (importRunId !== undefined) {
      // The counts of removals and additions are known only after the merge; store them.
      await client.query('update import_run set counts = $2 where id = $1', [
        importRunId,
        toImportCounts(counts, countBadRows(data.badRows), data.warnings.length),
      ]);
    }
    const summary: ImportSummary = {
      file,
      format: data.format,
      applications: data.applications.map((application) => application.key),
      syncId: data.syncId,
      sha256,
      dryRun,
      identities: counts.identities,
      accounts: counts.accounts,
      groups: counts.groups,
      resources: counts.resources,
      grants: counts.grants,
      added: counts.added,
      removed:
        counts.removed.accounts +
        counts.removed.groups +
        counts.removed.resources +
        counts.removed.grants,
      removedByKind: counts.removed,
      orphanedAccounts: counts.orphanedAccounts,
      badRows: countBadRows(data.badRows),
      badRowDetails: data.badRows,
      warnings: data.warnings,
      importRunId,
    };
    options.log?.info(
      { file, format, importRunId, dryRun, removed: summary.removed },
      'import finished',
    );
    return summary;
  } catch (error) {
    await writer.abort();
    if (!dryRun)
      await recordFailure(client, {
        sourceFile,
        sha256,
        format,
        startedAt,
        actor,
        error,
        application:
          options.application ??
          (data?.applications.map((application) => application.key).join(',') || undefined),
      });
    options.log?.warn({ file, err: error }, 'import failed');
    throw error;
  } finally {
    await client.end();
  }
}

function pendingCounts(data: NormalisedImport): WriteCounts {
  const zero = { identities: 0, accounts: 0, groups: 0, resources: 0, grants: 0 };
  return {
    identities: data.identities.length,
    accounts: data.accounts.length,
    groups: data.groups.length,
    resources: data.resources.length,
    grants: data.grants.length,
    added: zero,
    removed: { accounts: 0, groups: 0, resources: 0, grants: 0 },
    orphanedAccounts: 0,
  };
}

/** Records a failed import; the access data itself is untouched because its transaction rolled back. */
async function recordFailure(
  client: pg.Client,
  run: {
    sourceFile: string;
    sha256: string;
    format?: string;
    startedAt: Date;
    actor: string;
    error: unknown;
    application?: string;
  },
) {
  const message = run.error instanceof Error ? run.error.message : String(run.error);
  try {
    await client.query(
      `insert into import_run (source_file, sha256, format, started_at, finished_at, status, error, actor)
       values ($1, $2, $3, $4, clock_timestamp(), 'failed', $5, $6)`,
      [run.sourceFile, run.sha256, run.format ?? 'unknown', run.startedAt, message, run.actor],
    );
    await client.query(
      `insert into audit_event (actor, action, target_type, target_id, outcome, reason, detail)
       values ($1, 'import', $2, $3, 'failed', $4, $5)`,
      // Before the file names its application, the failed import is filed under the file.
      [
        run.actor,
        run.application ? 'application' : 'import_file',
        run.application ?? run.sourceFile,
        message,
        { file: run.sourceFile, sha256: run.sha256 },
      ],
    );
  } catch {
    // The database may be what failed; the caller reports the original error.
  }
}
