/**
 * baton-file JSON or YAML: the input of Baton's file connector for applications without an
 * API. Top-level `users`, `resources`, `entitlements` and `grants`. A grant's principal is a
 * user name, a resource name, or an entitlement key `resource:slug` meaning everyone who
 * holds that entitlement; those holders get the grant too, as inherited grants.
 */
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeJsonError } from './json-error.js';
import { expandHoldings } from './expand.js';
import {
  DATE_FORMS,
  identityKeyFor,
  isEmail,
  OWNERSHIP_SLUGS,
  parseDate,
  toApplicationKey,
  UniqueRows,
} from './normalise.js';
import { closestMatch } from '../closest-match.js';
import {
  emptyImport,
  ImportFileError,
  type AccountRow,
  type BadRow,
  type IdentityRow,
  type Importer,
  type NormalisedImport,
  type ResourceRow,
} from './types.js';

const SECTIONS = ['users', 'resources', 'entitlements', 'grants'];
const USER_FIELDS = ['name', 'display_name', 'email', 'status', 'last_login', 'type', 'profile'];
const RESOURCE_FIELDS = [
  'resource_type',
  'resource_function',
  'name',
  'display_name',
  'description',
  'parent_resource',
];
const ENTITLEMENT_FIELDS = ['resource_name', 'entitlement', 'display_name', 'description'];
const GRANT_FIELDS = ['principal', 'entitlement_id'];

const ENABLED = new Set(['active', 'enabled', '']);
const DISABLED = new Set(['inactive', 'disabled', 'suspended', 'deleted', 'deactivated', 'locked']);

type Item = Record<string, unknown>;

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value).trim();
}

/** Reads a baton-file document, JSON or YAML, into a plain object. */
function readDocument(bytes: Uint8Array, file: string): Item {
  const source = Buffer.from(bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (!source.trim()) throw new ImportFileError(file, 'the file is empty. Export the data again.');
  let document: unknown;
  const json = source.trimStart().startsWith('{');
  try {
    document = json ? JSON.parse(source) : parseYaml(source, { prettyErrors: true });
  } catch (error) {
    const detail = json
      ? describeJsonError(source, error)
      : (error as Error).message.split('\n')[0];
    throw new ImportFileError(
      file,
      `the file is not valid ${json ? 'JSON' : 'YAML'}, or it is truncated: ${detail}. Fix or export the file again.`,
    );
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new ImportFileError(
      file,
      'a baton-file document must be an object with users, resources, entitlements and grants.',
    );
  }
  return document as Item;
}

function list(document: Item, section: string, file: string): Item[] {
  const value = document[section];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ImportFileError(file, `"${section}" must be a list.`);
  return value as Item[];
}

function warnUnknownFields(
  item: Item,
  known: string[],
  path: string,
  file: string,
  warnings: BadRow[],
) {
  for (const key of Object.keys(item)) {
    if (!known.includes(key)) {
      warnings.push({
        file,
        location: path,
        field: key,
        reason: `unknown field ignored; known fields are ${known.join(', ')}`,
      });
    }
  }
}

export const batonFileImporter: Importer = {
  format: 'baton-file',

  detect(head) {
    const start = Buffer.from(head)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    if (/^\s*\{/.test(start))
      return (
        /"(users|resources|entitlements|grants)"\s*:/.test(start) &&
        !/urn:ietf:params:scim/i.test(start)
      );
    return /^(users|resources|entitlements|grants)\s*:/m.test(start);
  },

  async parse(bytes, options) {
    const file = options.file;
    const document = readDocument(bytes, file);
    const result = emptyImport('baton-file', 'accounts');
    const { badRows, warnings } = result;
    for (const key of Object.keys(document)) {
      if (!SECTIONS.includes(key))
        warnings.push({
          file,
          location: `$.${key}`,
          reason: `unknown section ignored; known sections are ${SECTIONS.join(', ')}`,
        });
    }
    if (SECTIONS.every((section) => !document[section])) {
      throw new ImportFileError(
        file,
        'not a baton-file document: it has none of users, resources, entitlements and grants.',
      );
    }
    const applicationKey =
      options.application ?? (toApplicationKey(basename(file).split('.')[0] ?? '') || 'baton-file');
    result.applications.push({ key: applicationKey });

    // Users become accounts and, by email or login, identities.
    const accounts = new UniqueRows<AccountRow>(file, 'user', badRows, warnings);
    const identities = new Map<string, IdentityRow>();
    list(document, 'users', file).forEach((user, index) => {
      const path = `$.users[${index}]`;
      if (!user || typeof user !== 'object')
        return badRows.push({ file, location: path, reason: 'a user must be an object' });
      warnUnknownFields(user, USER_FIELDS, path, file, warnings);
      const profile = (
        user.profile && typeof user.profile === 'object' ? user.profile : {}
      ) as Item;
      const name = text(user.name);
      if (!name)
        return badRows.push({ file, location: path, field: 'name', reason: 'missing user name' });
      const email = text(user.email) || undefined;
      if (email && !isEmail(email))
        return badRows.push({
          file,
          location: path,
          field: 'email',
          reason: `invalid email "${email}"`,
        });
      const statusText = text(user.status).toLowerCase();
      if (!ENABLED.has(statusText) && !DISABLED.has(statusText)) {
        return badRows.push({
          file,
          location: path,
          field: 'status',
          reason: `unknown status "${user.status}"; use active or inactive`,
        });
      }
      const type = text(user.type).toLowerCase();
      if (!['', 'human', 'user', 'service', 'system'].includes(type)) {
        return badRows.push({
          file,
          location: path,
          field: 'type',
          reason: `unknown type "${user.type}"; use human, service or leave it empty`,
        });
      }
      let lastLoginAt: Date | undefined;
      if (text(user.last_login)) {
        lastLoginAt = parseDate(user.last_login);
        if (!lastLoginAt)
          return badRows.push({
            file,
            location: path,
            field: 'last_login',
            reason: `invalid date "${text(user.last_login)}"; ${DATE_FORMS}`,
          });
      }
      const login = text(profile.login) || name;
      const accountType = type === 'service' || type === 'system' ? 'service' : 'human';
      const displayName =
        text(user.display_name) ||
        [text(profile.first_name), text(profile.last_name)].filter(Boolean).join(' ') ||
        name;
      const identityKey = accountType === 'human' ? identityKeyFor(email, login) : undefined;
      const account: AccountRow = {
        applicationKey,
        externalId: name,
        login,
        email,
        displayName,
        accountType,
        status: DISABLED.has(statusText) ? 'disabled' : 'enabled',
        lastLoginAt,
        identityKey,
      };
      if (accounts.add(name, account, path) && identityKey && !identities.has(identityKey)) {
        identities.set(identityKey, {
          key: identityKey,
          email: email?.toLowerCase(),
          login: login.toLowerCase(),
          displayName,
          department: text(profile.department) || undefined,
          title: text(profile.title) || undefined,
          employeeNumber: text(profile.employee_id ?? profile.employee_number) || undefined,
        });
      }
    });

    const objects = new UniqueRows<Item>(file, 'resource', badRows, warnings);
    const resourceItems = list(document, 'resources', file);
    resourceItems.forEach((resource, index) => {
      const path = `$.resources[${index}]`;
      if (!resource || typeof resource !== 'object')
        return badRows.push({ file, location: path, reason: 'a resource must be an object' });
      warnUnknownFields(resource, RESOURCE_FIELDS, path, file, warnings);
      const name = text(resource.name);
      if (!name)
        return badRows.push({
          file,
          location: path,
          field: 'name',
          reason: 'missing resource name',
        });
      if (!text(resource.resource_type))
        return badRows.push({
          file,
          location: path,
          field: 'resource_type',
          reason: 'missing resource type',
        });
      objects.add(name, resource, path);
    });
    resourceItems.forEach((resource, index) => {
      const parent = text(resource?.parent_resource);
      if (parent && !objects.has(parent)) {
        badRows.push({
          file,
          location: `$.resources[${index}]`,
          field: 'parent_resource',
          reason: `unknown parent resource "${parent}"`,
        });
      }
    });

    const resources = new UniqueRows<ResourceRow>(file, 'entitlement', badRows, warnings);
    list(document, 'entitlements', file).forEach((entitlement, index) => {
      const path = `$.entitlements[${index}]`;
      if (!entitlement || typeof entitlement !== 'object')
        return badRows.push({ file, location: path, reason: 'an entitlement must be an object' });
      warnUnknownFields(entitlement, ENTITLEMENT_FIELDS, path, file, warnings);
      const resourceName = text(entitlement.resource_name);
      const slug = text(entitlement.entitlement);
      if (!slug)
        return badRows.push({
          file,
          location: path,
          field: 'entitlement',
          reason: 'missing entitlement slug',
        });
      const parent = objects.get(resourceName);
      if (!parent)
        return badRows.push({
          file,
          location: path,
          field: 'resource_name',
          reason: `unknown resource "${resourceName}"`,
        });
      const parentName = text(parent.display_name) || resourceName;
      const grantsOwnership = OWNERSHIP_SLUGS.has(slug.toLowerCase());
      resources.add(
        `${resourceName}:${slug}`,
        {
          applicationKey,
          externalId: `${resourceName}:${slug}`,
          displayName: `${parentName} · ${slug}`,
          description: text(entitlement.description) || undefined,
          resourceType: text(parent.resource_type),
          parentExternalId: resourceName,
          parentName,
          slug,
          riskLevel: grantsOwnership ? 'high' : undefined,
          grantsOwnership,
        },
        path,
      );
    });

    // Grants: direct holdings per entitlement, and edges from entitlement principals.
    const direct = new Map<string, Set<string>>();
    const edges: [string, string][] = [];
    const groupGrants = new UniqueRows<{ entitlement: string; principal: string }>(
      file,
      'grant',
      badRows,
      warnings,
    );
    const seen = new UniqueRows<string>(file, 'grant', badRows, warnings);
    let suggestionsLeft = 20;
    list(document, 'grants', file).forEach((grant, index) => {
      const path = `$.grants[${index}]`;
      if (!grant || typeof grant !== 'object')
        return badRows.push({ file, location: path, reason: 'a grant must be an object' });
      warnUnknownFields(grant, GRANT_FIELDS, path, file, warnings);
      const entitlement = text(grant.entitlement_id);
      const principal = text(grant.principal);
      if (!resources.has(entitlement)) {
        // Suggestions compare against every entitlement, so only the first few bad rows get one.
        const match =
          suggestionsLeft-- > 0 ? closestMatch(entitlement, resources.keys()) : undefined;
        return badRows.push({
          file,
          location: path,
          field: 'entitlement_id',
          reason: match
            ? `unknown entitlement "${entitlement}"; did you mean ${match}?`
            : `unknown entitlement "${entitlement}"; list it under entitlements (as resource_name:entitlement) or fix the id`,
        });
      }
      if (!principal)
        return badRows.push({
          file,
          location: path,
          field: 'principal',
          reason: 'missing principal',
        });
      if (!seen.add(`${principal} -> ${entitlement}`, `${principal} -> ${entitlement}`, path))
        return;
      if (accounts.has(principal)) {
        const holders = direct.get(entitlement) ?? new Set();
        holders.add(principal);
        direct.set(entitlement, holders);
      } else if (resources.has(principal)) {
        edges.push([principal, entitlement]);
        groupGrants.add(`${entitlement}:${principal}`, { entitlement, principal }, path);
      } else if (objects.has(principal)) {
        groupGrants.add(`${entitlement}:${principal}`, { entitlement, principal }, path);
      } else {
        badRows.push({
          file,
          location: path,
          field: 'principal',
          reason: `unknown principal "${principal}": not a user, resource or entitlement key`,
        });
      }
    });

    const resourceNames = new Map(
      resources.values().map((row) => [row.externalId, row.displayName]),
    );
    for (const [entitlement, holders] of expandHoldings(direct, edges)) {
      for (const [account, sources] of holders) {
        result.grants.push({
          applicationKey,
          externalId: `${entitlement}:${account}`,
          resourceExternalId: entitlement,
          principalType: 'account',
          principalExternalId: account,
          inherited: sources.size > 0 && !direct.get(entitlement)?.has(account),
          sources: [...sources].map((source) => ({
            resourceExternalId: source,
            resourceName: resourceNames.get(source),
          })),
        });
      }
    }
    // Each resource or entitlement that appears as a principal becomes a principal group.
    const groups = new Map<string, string>();
    for (const { entitlement, principal } of groupGrants.values()) {
      const name =
        resourceNames.get(principal) ?? text(objects.get(principal)?.display_name) ?? principal;
      groups.set(
        principal,
        name ? (resources.has(principal) ? `Holders of ${name}` : name) : principal,
      );
      result.grants.push({
        applicationKey,
        externalId: `${entitlement}:${principal}`,
        resourceExternalId: entitlement,
        principalType: 'group',
        principalExternalId: principal,
        inherited: false,
        sources: [],
      });
    }
    result.groups = [...groups].map(([externalId, displayName]) => ({
      applicationKey,
      externalId,
      displayName,
    }));
    result.identities = [...identities.values()];
    result.accounts = accounts.values();
    result.resources = resources.values();
    return result as NormalisedImport;
  },
};
