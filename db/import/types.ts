/**
 * The normalised rows every importer produces and the shared writer stores. Ids here are
 * the source's own ids (external ids); the writer resolves them to database ids.
 */
import type { GrantSource } from '../entities/grant.entity.js';

export type ImportFormat = 'c1z' | 'baton-file' | 'scim' | 'csv';

export const IMPORT_FORMATS: readonly ImportFormat[] = ['c1z', 'baton-file', 'scim', 'csv'];

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export const RISK_LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];

export interface ApplicationRow {
  /** Stable, URL-safe key, for example `github`. */
  key: string;
  /** Display name; a new application without one is named after its key. */
  name?: string;
  description?: string;
  riskLevel?: RiskLevel;
  /** Case-folded emails of the identities that own the application. */
  ownerEmails?: string[];
}

export interface IdentityRow {
  /** Case-folded email, or `login:<case-folded login>` when there is no email. */
  key: string;
  email?: string;
  /** Case-folded login or user name, used to match accounts that carry no email. */
  login?: string;
  displayName: string;
  department?: string;
  title?: string;
  employeeNumber?: string;
  /** Key of the manager's identity, when the source names the manager by a known id. */
  managerKey?: string;
  /** The manager as the source wrote it (email, login or employee number) when no key is known. */
  managerRef?: string;
  employmentStatus?: 'active' | 'inactive' | 'on_leave' | 'terminated';
  terminatedAt?: Date;
}

export interface AccountRow {
  applicationKey: string;
  externalId: string;
  login?: string;
  email?: string;
  displayName: string;
  accountType: 'human' | 'service';
  status: 'enabled' | 'disabled' | 'unknown';
  lastLoginAt?: Date;
  /** The identity this account belongs to, when the source names it directly. */
  identityKey?: string;
}

export interface GroupRow {
  applicationKey: string;
  externalId: string;
  displayName: string;
}

export interface ResourceRow {
  applicationKey: string;
  externalId: string;
  displayName: string;
  description?: string;
  resourceType: string;
  parentExternalId?: string;
  parentName?: string;
  slug?: string;
  riskLevel?: RiskLevel;
  /** Whether holding this resource makes the holder an owner of its parent object. */
  grantsOwnership: boolean;
  /** Case-folded emails of identities named as owners by the source itself. */
  ownerEmails?: string[];
}

export interface GrantRow {
  applicationKey: string;
  externalId: string;
  resourceExternalId: string;
  principalType: 'account' | 'group';
  principalExternalId: string;
  inherited: boolean;
  sources: GrantSource[];
}

/**
 * Treatment of identities by an import. `directory` sources (SCIM) own identity attributes
 * and update them. `accounts` sources (c1z, baton-file) add missing identities but leave
 * existing ones as they are. `none` (CSV) only links accounts to identities already stored.
 */
export type IdentityMode = 'directory' | 'accounts' | 'none';

/** A rejected row and its place in the file. */
export interface BadRow {
  file: string;
  /** `line 12`, `$.users[3]` or `v1_grants row 42`. */
  location: string;
  field?: string;
  reason: string;
}

/** Everything one file contributes, in the shape the writer stores. */
export interface NormalisedImport {
  format: ImportFormat;
  /** The source's id for the snapshot, for example a Baton sync id. */
  syncId?: string;
  identityMode: IdentityMode;
  /** True when the file lists only part of its applications, so nothing is marked removed. */
  partial?: boolean;
  applications: ApplicationRow[];
  identities: IdentityRow[];
  accounts: AccountRow[];
  groups: GroupRow[];
  resources: ResourceRow[];
  grants: GrantRow[];
  badRows: BadRow[];
  /** Problems that did not reject a row, such as an exact duplicate that was merged. */
  warnings: BadRow[];
}

/** Options an importer needs besides the file's bytes. */
export interface ImportOptions {
  /** Path as the user gave it; used in messages and stored on the import run. */
  file: string;
  /** Application key from `--application`; each importer documents its default. */
  application?: string;
  allowUnfinishedSync?: boolean;
  /** Reports progress for the terminal progress bar. */
  onProgress?: (done: number, total: number, stage: string) => void;
  /**
   * Receives the import as soon as its applications, identities and accounts are complete,
   * so they can be written while the importer still reads. Those three lists must not
   * change afterwards. Importers may call it once or not at all.
   */
  onPrincipalsReady?: (data: NormalisedImport) => void;
  /**
   * Receives the import once its groups and resources are complete too, with the grants
   * as batches that the importer adds while it reads. Groups and resources must not
   * change afterwards, and `data.grants` is complete only when the importer returns.
   */
  onResourcesReady?: (data: NormalisedImport, grants: AsyncIterable<GrantRow[]>) => void;
}

/** One module per format; each turns a file into normalised rows. */
export interface Importer {
  format: ImportFormat;
  /** Whether the first bytes of a file look like this format. */
  detect(head: Uint8Array, file: string): boolean;
  /** The reason the first bytes do not look like this format, when the importer can tell. */
  explainMismatch?(head: Uint8Array): string | undefined;
  parse(bytes: Uint8Array, options: ImportOptions): Promise<NormalisedImport>;
}

/** A file that cannot be imported at all: wrong format, corrupt, empty or unsupported. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Counts the rows behind bad-row entries, since a row has one entry per bad field. */
export function countBadRows(badRows: BadRow[]): number {
  return new Set(badRows.map((row) => `${row.file}\n${row.location}`)).size;
}

/** A file with bad rows, imported without `--skip-bad-rows`; nothing was written. */
export class BadRowsError extends Error {
  override name = 'BadRowsError';
  constructor(
    readonly file: string,
    readonly badRows: BadRow[],
  ) {
    const count = countBadRows(badRows);
    super(
      `${file}: ${count} bad row${count === 1 ? '' : 's'}, so nothing was imported. ` +
        `Fix ${count === 1 ? 'it' : 'them'}, or run again with --skip-bad-rows to import the other rows.`,
    );
  }
}

/** Returns an empty import of one format, for importers to fill. */
export function emptyImport(format: ImportFormat, identityMode: IdentityMode): NormalisedImport {
  return {
    format,
    identityMode,
    applications: [],
    identities: [],
    accounts: [],
    groups: [],
    resources: [],
    grants: [],
    badRows: [],
    warnings: [],
  };
}

/** Formats one bad row for a terminal: `file, line 3, field email: invalid email "x"`. */
export function describeBadRow(row: BadRow): string {
  const field = row.field ? `, field ${row.field}` : '';
  return `${row.file}, ${row.location}${field}: ${row.reason}`;
}
