/**
 * CSV of grants, one row per account holding one resource, for applications without a
 * connector. Columns are found by header name (case, spaces and hyphens do not matter), so
 * their order is free. The columns are documented in docs/importing.md and in CSV_COLUMNS.
 */
import { basename } from 'node:path';
import { parse, CsvError } from 'csv-parse/sync';
import { closestMatch } from '../closest-match.js';
import {
  DATE_FORMS,
  foldEmail,
  isEmail,
  OWNERSHIP_SLUGS,
  parseDate,
  toApplicationKey,
  UniqueRows,
} from './normalise.js';
import {
  emptyImport,
  ImportFileError,
  RISK_LEVELS,
  type AccountRow,
  type ApplicationRow,
  type BadRow,
  type GrantRow,
  type Importer,
  type ResourceRow,
  type RiskLevel,
} from './types.js';

/** Every column the CSV importer reads, with what it holds. */
export const CSV_COLUMNS = {
  application:
    'application key or name; default: --application, else the file name up to its first dot',
  application_name: 'display name of the application',
  application_risk: 'low, medium, high or critical',
  application_owner_emails: 'emails of the application owners, separated by semicolons',
  account_id: "the application's id for the account; default: account_login, else account_email",
  account_login: 'login or user name',
  account_email: 'email; used to match the account to an identity',
  account_name: 'display name of the account',
  account_type: 'human (default) or service',
  account_status: 'enabled (default) or disabled; active and inactive are accepted too',
  last_login: 'last login time: ISO 8601, MM/DD/YYYY or Unix seconds',
  resource_id: "required: the application's id for the resource (role, group, permission)",
  resource_name: 'display name of the resource; default: resource_id',
  resource_type: 'kind of resource, for example role, group or repository; default: role',
  resource_description: 'description of the resource',
  resource_risk: 'low, medium, high or critical',
  resource_parent: 'id of the object the resource belongs to, for example a repository',
  resource_owner_emails: 'emails of the resource owners, separated by semicolons',
  granted_through:
    'ids of the resources the account holds this one through, separated by semicolons; empty for a direct grant',
} as const;

export type CsvColumn = keyof typeof CSV_COLUMNS;

const ENABLED = new Set(['', 'enabled', 'active', 'true', 'yes']);
const DISABLED = new Set(['disabled', 'inactive', 'suspended', 'locked', 'false', 'no']);

/** Returns the first line of a file, without a byte order mark. */
function headerLine(head: Uint8Array): string {
  return (
    Buffer.from(head)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0] ?? ''
  );
}

function normaliseHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function emails(value: string): string[] {
  return value
    .split(/[;,]/)
    .map((email) => email.trim())
    .filter(Boolean);
}

export const csvImporter: Importer = {
  format: 'csv',

  detect(head) {
    const firstLine = headerLine(head);
    return (
      /,/.test(firstLine) &&
      firstLine.split(',').some((cell) => normaliseHeader(cell.replace(/"/g, '')) in CSV_COLUMNS)
    );
  },

  explainMismatch(head) {
    const firstLine = headerLine(head);
    const separator = [';', '\t'].find((candidate) => firstLine.includes(candidate));
    if (!firstLine.includes(',') && separator) {
      const name = separator === ';' ? 'semicolons' : 'tabs';
      return `line 1 separates columns with ${name}, and Recert reads comma-separated CSV. Save the file as "CSV (comma delimited)" and import it again.`;
    }
    return `line 1 has none of the CSV columns (for example account_email, resource_id). Check the header row against the columns in docs/importing.md.`;
  },

  async parse(bytes, options) {
    const file = options.file;
    const text = Buffer.from(bytes).toString('utf8');
    if (!text.replace(/^\uFEFF/, '').trim())
      throw new ImportFileError(file, 'the file is empty. Export the data again.');
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(text, {
        bom: true,
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
      }) as unknown as typeof records;
    } catch (error) {
      const opened =
        error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED'
          ? unclosedQuoteLine(text)
          : undefined;
      if (opened !== undefined) {
        throw new ImportFileError(
          file,
          `line ${opened} opens a quoted field that is never closed. Add the closing quote (") or remove the opening one.`,
        );
      }
      const line =
        error instanceof CsvError && 'lines' in error ? ` near line ${String(error.lines)}` : '';
      throw new ImportFileError(
        file,
        `the CSV cannot be parsed${line}: ${(error as Error).message}. Check its quoting, or export it again.`,
      );
    }
    const [headerRecord, ...rows] = records;
    if (!headerRecord) throw new ImportFileError(file, 'the file is empty. Export the data again.');

    // Spreadsheets often save empty columns after the last one as trailing commas; they are
    // ignored when they hold no values.
    const header = headerRecord.record.map(normaliseHeader);
    while (header.length > 0 && header.at(-1) === '') header.pop();
    const unnamed = header.indexOf('');
    if (unnamed >= 0) {
      throw new ImportFileError(
        file,
        `column ${unnamed + 1} of the header has no name. Name it after one of the known columns, or remove it.`,
      );
    }
    const unknown = header.filter((name) => !(name in CSV_COLUMNS));
    if (unknown.length > 0) {
      const known = Object.keys(CSV_COLUMNS);
      const described = unknown.map((name) => {
        const match = closestMatch(name, known);
        return match ? `"${name}" (did you mean ${match}?)` : `"${name}"`;
      });
      throw new ImportFileError(
        file,
        `unknown column${unknown.length === 1 ? '' : 's'} ${described.join(', ')} in the header. ` +
          `Rename or remove ${unknown.length === 1 ? 'it' : 'them'}; the known columns are ${known.join(', ')}.`,
      );
    }
    const repeated = header.filter((name, index) => header.indexOf(name) !== index);
    if (repeated.length > 0)
      throw new ImportFileError(
        file,
        `the column "${repeated[0]}" appears twice in the header; keep one.`,
      );
    if (!header.includes('resource_id'))
      throw new ImportFileError(file, 'the header has no resource_id column, which is required.');
    if (!['account_id', 'account_login', 'account_email'].some((name) => header.includes(name))) {
      throw new ImportFileError(
        file,
        'the header needs at least one of account_id, account_login and account_email.',
      );
    }

    const result = emptyImport('csv', 'none');
    const { badRows, warnings } = result;
    const defaultApplication =
      options.application ?? (toApplicationKey(basename(file).split('.')[0] ?? '') || 'csv');
    const applications = new UniqueRows<ApplicationRow>(file, 'application', badRows, warnings);
    const accounts = new UniqueRows<AccountRow>(file, 'account', badRows, warnings);
    const resources = new UniqueRows<ResourceRow>(file, 'resource', badRows, warnings);
    const grants = new UniqueRows<GrantRow>(file, 'grant', badRows, warnings);
    const reportedApps = new Set<string>();

    for (const { record, info } of rows) {
      const location = `line ${info.lines}`;
      const bad = (field: CsvColumn | undefined, reason: string) => {
        badRows.push({ file, location, field, reason } satisfies BadRow);
      };
      const stray = record.findIndex((value, index) => index >= header.length && value !== '');
      if (stray >= 0) {
        bad(
          undefined,
          `column ${stray + 1} holds a value but has no name in the header; name the column or remove the value`,
        );
        continue;
      }
      if (record.length < header.length) {
        bad(undefined, `expected ${header.length} fields as in the header, found ${record.length}`);
        continue;
      }
      const cell = (name: CsvColumn) => record[header.indexOf(name)] ?? '';
      // An unknown level is recorded as a bad row, which drops the row below.
      const risk = (name: 'application_risk' | 'resource_risk'): RiskLevel | undefined => {
        const value = cell(name).toLowerCase();
        if (!value) return undefined;
        if (!(RISK_LEVELS as readonly string[]).includes(value)) {
          bad(name, `unknown risk level "${cell(name)}"; use low, medium, high or critical`);
          return undefined;
        }
        return value as RiskLevel;
      };

      const problemsBefore = badRows.length;
      const applicationText = cell('application');
      const applicationKey = applicationText
        ? toApplicationKey(applicationText)
        : defaultApplication;
      if (!applicationKey) {
        bad(
          'application',
          `"${applicationText}" cannot be turned into an application key; use letters or digits`,
        );
      }
      const email = cell('account_email');
      if (email && !isEmail(email)) {
        bad('account_email', `invalid email "${email}"`);
      }
      const login = cell('account_login');
      const accountId = cell('account_id') || login || email;
      if (!accountId) {
        bad('account_id', 'missing account: give account_id, account_login or account_email');
      }
      const resourceId = cell('resource_id');
      if (!resourceId) {
        bad('resource_id', 'missing resource_id');
      }
      const type = cell('account_type').toLowerCase();
      if (!['', 'human', 'user', 'service', 'system'].includes(type)) {
        bad('account_type', `unknown account type "${cell('account_type')}"; use human or service`);
      }
      const status = cell('account_status').toLowerCase();
      if (!ENABLED.has(status) && !DISABLED.has(status)) {
        bad(
          'account_status',
          `unknown account status "${cell('account_status')}"; use enabled or disabled`,
        );
      }
      let lastLoginAt: Date | undefined;
      if (cell('last_login')) {
        lastLoginAt = parseDate(cell('last_login'));
        if (!lastLoginAt) {
          bad('last_login', `invalid date "${cell('last_login')}"; ${DATE_FORMS}`);
        }
      }
      const applicationRisk = risk('application_risk');
      const resourceRisk = risk('resource_risk');
      const ownerEmails = [
        ...emails(cell('application_owner_emails')),
        ...emails(cell('resource_owner_emails')),
      ];
      const invalidOwner = ownerEmails.find((owner) => !isEmail(owner));
      if (invalidOwner) {
        bad(
          emails(cell('application_owner_emails')).includes(invalidOwner)
            ? 'application_owner_emails'
            : 'resource_owner_emails',
          `invalid email "${invalidOwner}"`,
        );
      }
      // Every field is checked before the row is dropped, so one pass names all its problems.
      if (badRows.length > problemsBefore || !applicationKey) continue;

      // Application attributes may be given on any row; rows that give them must agree.
      const application: ApplicationRow = {
        key: applicationKey,
        name: cell('application_name') || undefined,
        riskLevel: applicationRisk,
        ownerEmails: emails(cell('application_owner_emails')).map(foldEmail),
      };
      const hasAttributes = Boolean(
        application.name || application.riskLevel || application.ownerEmails?.length,
      );
      if (!applications.has(applicationKey)) {
        applications.add(applicationKey, application, location);
        if (hasAttributes) reportedApps.add(applicationKey);
      } else if (hasAttributes) {
        if (!reportedApps.has(applicationKey)) {
          // The first row named the application only; this row's attributes describe it.
          Object.assign(applications.get(applicationKey)!, application);
          reportedApps.add(applicationKey);
        } else if (!sameApplication(applications.get(applicationKey)!, application)) {
          bad(
            'application',
            `application "${applicationKey}" has different name, risk or owners than on an earlier line`,
          );
          continue;
        }
      }

      const account: AccountRow = {
        applicationKey,
        externalId: accountId,
        login: login || undefined,
        email: email || undefined,
        displayName: cell('account_name') || login || email || accountId,
        accountType: type === 'service' || type === 'system' ? 'service' : 'human',
        status: DISABLED.has(status) ? 'disabled' : 'enabled',
        lastLoginAt,
      };
      const accountKey = `${applicationKey}\u0000${accountId}`;
      const accountSeen = accounts.has(accountKey);
      if (accountSeen) {
        const differs = difference(accounts.get(accountKey)!, account, ACCOUNT_COLUMNS);
        if (differs) {
          bad(
            differs.column,
            `account "${accountId}" has ${differs.column} ${differs.later} here but ${differs.earlier} on ${accounts.locationOf(accountKey)}; make the rows agree`,
          );
          continue;
        }
      }

      const slug = resourceId.split(/[:/]/).pop() ?? resourceId;
      const resource: ResourceRow = {
        applicationKey,
        externalId: resourceId,
        displayName: cell('resource_name') || resourceId,
        description: cell('resource_description') || undefined,
        resourceType: cell('resource_type') || 'role',
        parentExternalId: cell('resource_parent') || undefined,
        parentName: cell('resource_parent') || undefined,
        slug,
        riskLevel: resourceRisk,
        grantsOwnership: OWNERSHIP_SLUGS.has(slug.toLowerCase()),
        ownerEmails: emails(cell('resource_owner_emails')).map(foldEmail),
      };
      const resourceKey = `${applicationKey}\u0000${resourceId}`;
      if (resources.has(resourceKey)) {
        const differs = difference(resources.get(resourceKey)!, resource, RESOURCE_COLUMNS);
        if (differs) {
          bad(
            differs.column,
            `resource "${resourceId}" has ${differs.column} ${differs.later} here but ${differs.earlier} on ${resources.locationOf(resourceKey)}; make the rows agree`,
          );
          continue;
        }
      } else resources.add(resourceKey, resource, location);
      // Added only now, so a row rejected for its resource leaves no account behind.
      if (!accountSeen) accounts.add(accountKey, account, location);

      const through = cell('granted_through')
        .split(';')
        .map((id) => id.trim())
        .filter(Boolean);
      grants.add(
        `${applicationKey}\u0000${resourceId}\u0000${accountId}`,
        {
          applicationKey,
          externalId: `${resourceId}:account:${accountId}`,
          resourceExternalId: resourceId,
          principalType: 'account',
          principalExternalId: accountId,
          inherited: through.length > 0,
          sources: through.map((id) => ({ resourceExternalId: id })),
        },
        location,
      );
    }

    for (const warning of warnings) warning.reason = warning.reason.replace(/\u0000/g, ' / ');
    for (const badRow of badRows) badRow.reason = badRow.reason.replace(/\u0000/g, ' / ');
    result.applications = applications.values();
    if (result.applications.length === 0) result.applications.push({ key: defaultApplication });
    for (const application of result.applications) {
      if (!application.ownerEmails?.length) delete application.ownerEmails;
    }
    result.accounts = accounts.values();
    result.resources = resources.values();
    for (const resource of result.resources) {
      if (!resource.ownerEmails?.length) delete resource.ownerEmails;
    }
    result.grants = grants.values();
    return result;
  },
};

/**
 * Returns the line on which a quoted field opens and is never closed, reading quotes as RFC
 * 4180 does, or undefined when every quote is closed.
 */
function unclosedQuoteLine(text: string): number | undefined {
  let line = 1;
  let openedAt: number | undefined;
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n') line += 1;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') i += 1;
      else if (char === '"') quoted = false;
      continue;
    }
    if (char === '"' && fieldStart) {
      quoted = true;
      openedAt = line;
    }
    if (char === ',' || char === '\n') fieldStart = true;
    else if (char !== ' ' && char !== '\t' && char !== '\r') fieldStart = false;
  }
  return quoted ? openedAt : undefined;
}

// The CSV column behind each field that two rows of one account or resource must agree on.
const ACCOUNT_COLUMNS: Partial<Record<keyof AccountRow, CsvColumn>> = {
  login: 'account_login',
  email: 'account_email',
  displayName: 'account_name',
  accountType: 'account_type',
  status: 'account_status',
  lastLoginAt: 'last_login',
};
const RESOURCE_COLUMNS: Partial<Record<keyof ResourceRow, CsvColumn>> = {
  displayName: 'resource_name',
  description: 'resource_description',
  resourceType: 'resource_type',
  parentExternalId: 'resource_parent',
  riskLevel: 'resource_risk',
  ownerEmails: 'resource_owner_emails',
};

/** Finds the first column in which a repeated row differs from the earlier one. */
function difference<T extends object>(
  earlier: T,
  later: T,
  columns: Partial<Record<keyof T, CsvColumn>>,
): { column: CsvColumn; earlier: string; later: string } | undefined {
  for (const [field, column] of Object.entries(columns) as [keyof T, CsvColumn][]) {
    const before = JSON.stringify(earlier[field] ?? null);
    const after = JSON.stringify(later[field] ?? null);
    if (before !== after) return { column, earlier: before, later: after };
  }
  return undefined;
}

function sameApplication(a: ApplicationRow, b: ApplicationRow): boolean {
  return (
    (a.name ?? '') === (b.name ?? '') &&
    (a.riskLevel ?? '') === (b.riskLevel ?? '') &&
    JSON.stringify(a.ownerEmails ?? []) === JSON.stringify(b.ownerEmails ?? [])
  );
}
