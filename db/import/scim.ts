/**
 * SCIM 2.0 (RFC 7643 resources, RFC 7644 ListResponse) JSON of Users and Groups. A SCIM
 * source is a directory. Its users become identities (with department, title, employee
 * number, manager and status) and accounts of the SCIM application. Its groups become
 * principal groups and `member` resources. Nested groups are expanded, so a user in group
 * B, which is a member of group A, holds A's `member` resource as an inherited grant.
 */
import { basename } from 'node:path';
import { describeJsonError } from './json-error.js';
import { expandHoldings } from './expand.js';
import {
  DATE_FORMS,
  foldEmail,
  identityKeyFor,
  isEmail,
  parseDate,
  toApplicationKey,
  UniqueRows,
} from './normalise.js';
import {
  emptyImport,
  ImportFileError,
  type AccountRow,
  type IdentityRow,
  type Importer,
  type NormalisedImport,
} from './types.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:user';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:group';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:listresponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:patchop';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user';
/**
 * Recert's own SCIM extension for what RFC 7643 has no attribute for: `employmentStatus`
 * (active, inactive, on_leave or terminated) and `terminationDate`.
 */
export const EMPLOYMENT_EXTENSION = 'urn:recert:scim:schemas:extension:employment:1.0:User';

type Json = Record<string, unknown>;

/** Lower-cases every attribute name, because SCIM attribute names are case-insensitive. */
function foldKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(foldKeys);
  if (!value || typeof value !== 'object') return value;
  const result: Json = {};
  for (const [key, inner] of Object.entries(value)) result[key.toLowerCase()] = foldKeys(inner);
  return result;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function schemas(resource: Json): string[] {
  return Array.isArray(resource.schemas)
    ? resource.schemas.map((schema) => String(schema).toLowerCase())
    : [];
}

function kindOf(resource: Json): 'User' | 'Group' | undefined {
  const meta = resource.meta as Json | undefined;
  const type = str(meta?.resourcetype)?.toLowerCase();
  if (type === 'user' || type === 'group') return type === 'user' ? 'User' : 'Group';
  const names = schemas(resource);
  if (names.includes(USER_SCHEMA)) return 'User';
  if (names.includes(GROUP_SCHEMA)) return 'Group';
  // Partial responses (RFC 7644 section 3.4.2) may omit schemas and meta.
  if ('username' in resource) return 'User';
  if ('members' in resource || 'displayname' in resource) return 'Group';
  return undefined;
}

/** The resources of a ListResponse, a bare array of resources, or one resource. */
/**
 * Returns the resources of a ListResponse, a bare array of resources, or one resource. `partial`
 * is true for one resource and for one page of a longer ListResponse, which do not list
 * everything the application holds.
 */
function resourcesOf(
  document: unknown,
  file: string,
): { resources: { resource: Json; path: string }[]; partial: boolean } {
  if (Array.isArray(document)) {
    const resources = document.map((resource, index) => ({
      resource: resource as Json,
      path: `$[${index}]`,
    }));
    return { resources, partial: false };
  }
  if (!document || typeof document !== 'object') {
    throw new ImportFileError(
      file,
      'a SCIM document must be a JSON object (a ListResponse, User or Group) or an array of them.',
    );
  }
  const object = document as Json;
  const names = schemas(object);
  if (names.includes(PATCH_OP)) {
    throw new ImportFileError(
      file,
      'this is a SCIM PatchOp request, which changes a resource but does not list one. ' +
        'Import a ListResponse, User or Group instead (for example the response of GET /Users and GET /Groups).',
    );
  }
  if (names.includes(LIST_RESPONSE) || Array.isArray(object.resources)) {
    const list = Array.isArray(object.resources) ? object.resources : [];
    const total = typeof object.totalresults === 'number' ? object.totalresults : list.length;
    const resources = list.map((resource, index) => ({
      resource: resource as Json,
      path: `$.Resources[${index}]`,
    }));
    return { resources, partial: total > list.length };
  }
  return { resources: [{ resource: object, path: '$' }], partial: true };
}

function primaryEmail(user: Json): string | undefined {
  const emails = Array.isArray(user.emails) ? (user.emails as Json[]) : [];
  const pick =
    emails.find((email) => email?.primary === true) ??
    emails.find((email) => str(email?.type)?.toLowerCase() === 'work') ??
    emails[0];
  return str(pick?.value);
}

interface Member {
  value: string;
  type?: 'User' | 'Group';
  display?: string;
}

function membersOf(group: Json): Member[] {
  const members = Array.isArray(group.members) ? (group.members as Json[]) : [];
  return members.flatMap((member) => {
    const value = str(member?.value);
    if (!value) return [];
    const typeText = str(member.type)?.toLowerCase();
    const ref = str(member.$ref) ?? '';
    const type =
      typeText === 'user' || /\/Users\//i.test(ref)
        ? 'User'
        : typeText === 'group' || /\/Groups\//i.test(ref)
          ? 'Group'
          : undefined;
    return [{ value, type, display: str(member.display) }];
  });
}

export const scimImporter: Importer = {
  format: 'scim',

  detect(head) {
    const start = Buffer.from(head).toString('utf8');
    if (!/^\s*[[{]/.test(start.replace(/^\uFEFF/, ''))) return false;
    if (/urn:ietf:params:scim/i.test(start)) return true;
    // Partial responses may omit schemas; baton-file documents have users and grants instead.
    return (
      /"(userName|members)"\s*:/i.test(start) && !/"(users|entitlements|grants)"\s*:/.test(start)
    );
  },

  async parse(bytes, options) {
    const file = options.file;
    const source = Buffer.from(bytes)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    if (!source.trim())
      throw new ImportFileError(file, 'the file is empty. Export the data again.');
    let document: unknown;
    try {
      document = foldKeys(JSON.parse(source));
    } catch (error) {
      throw new ImportFileError(
        file,
        `the file is not valid JSON, or it is truncated: ${describeJsonError(source, error)}. Fix or export the file again.`,
      );
    }
    const result = emptyImport('scim', 'directory');
    const { badRows, warnings } = result;
    const applicationKey =
      options.application ?? (toApplicationKey(basename(file).split('.')[0] ?? '') || 'scim');
    result.applications.push({ key: applicationKey });

    const users = new UniqueRows<Json>(file, 'user', badRows, warnings);
    const groups = new UniqueRows<Json>(file, 'group', badRows, warnings);
    const paths = new Map<Json, string>();
    const listing = resourcesOf(document, file);
    if (listing.partial) {
      result.partial = true;
      warnings.push({
        file,
        location: '$',
        reason:
          'the file holds one resource or one page of a longer ListResponse, so nothing stored is marked removed',
      });
    }
    for (const { resource, path } of listing.resources) {
      if (!resource || typeof resource !== 'object') {
        badRows.push({ file, location: path, reason: 'a SCIM resource must be an object' });
        continue;
      }
      const kind = kindOf(resource);
      const id = str(resource.id) ?? str(resource.username);
      if (!kind) {
        badRows.push({
          file,
          location: path,
          field: 'schemas',
          reason: 'neither a User nor a Group: no schemas, meta.resourceType, userName or members',
        });
      } else if (!id) {
        badRows.push({ file, location: path, field: 'id', reason: `missing id of a ${kind}` });
      } else {
        paths.set(resource, path);
        (kind === 'User' ? users : groups).add(id, resource, path);
      }
    }
    if (users.size === 0 && groups.size === 0 && badRows.length === 0) {
      throw new ImportFileError(
        file,
        'the SCIM document holds no Users or Groups. Check that you exported the right endpoint.',
      );
    }

    // Users: identities keyed by email, then by user name; accounts keyed by SCIM id.
    const identityKeys = new Map<string, string>();
    const identities = new Map<string, IdentityRow>();
    const accounts = new Map<string, AccountRow>();
    for (const [id, user] of users
      .values()
      .map((user) => [str(user.id) ?? str(user.username)!, user] as const)) {
      const path = paths.get(user)!;
      const userName = str(user.username);
      const email = primaryEmail(user) ?? (userName && isEmail(userName) ? userName : undefined);
      if (email && !isEmail(email)) {
        badRows.push({
          file,
          location: `${path}.emails`,
          field: 'emails',
          reason: `invalid email "${email}"`,
        });
        continue;
      }
      const key = identityKeyFor(email, userName);
      if (!key) {
        badRows.push({
          file,
          location: path,
          field: 'userName',
          reason: 'a user needs a userName or an email to be matched to an identity',
        });
        continue;
      }
      if (identities.has(key)) {
        badRows.push({
          file,
          location: path,
          field: email ? 'emails' : 'userName',
          reason: `another user in the file has the same ${email ? 'email' : 'userName'} "${email ?? userName}"`,
        });
        continue;
      }
      const name = user.name as Json | undefined;
      const displayName =
        str(user.displayname) ??
        str(name?.formatted) ??
        ([str(name?.givenname), str(name?.familyname)].filter(Boolean).join(' ') || undefined) ??
        userName ??
        email ??
        id;
      const enterprise = (user[ENTERPRISE] ?? {}) as Json;
      const employment = (user[EMPLOYMENT_EXTENSION.toLowerCase()] ?? {}) as Json;
      const active =
        user.active === undefined
          ? true
          : user.active === true || str(user.active)?.toLowerCase() === 'true';
      let employmentStatus: IdentityRow['employmentStatus'] = active ? 'active' : 'inactive';
      const statusText = str(employment.employmentstatus)?.toLowerCase();
      if (statusText) {
        if (!['active', 'inactive', 'on_leave', 'terminated'].includes(statusText)) {
          badRows.push({
            file,
            location: path,
            field: 'employmentStatus',
            reason: `unknown employment status "${statusText}"; use active, inactive, on_leave or terminated`,
          });
          continue;
        }
        employmentStatus = statusText as IdentityRow['employmentStatus'];
      }
      let terminatedAt: Date | undefined;
      if (str(employment.terminationdate)) {
        terminatedAt = parseDate(employment.terminationdate);
        if (!terminatedAt) {
          badRows.push({
            file,
            location: path,
            field: 'terminationDate',
            reason: `invalid date "${str(employment.terminationdate)}"; ${DATE_FORMS}`,
          });
          continue;
        }
      }
      const manager = enterprise.manager;
      const managerRef =
        typeof manager === 'string' ? str(manager) : str((manager as Json | undefined)?.value);
      identityKeys.set(id, key);
      identities.set(key, {
        key,
        email: email ? foldEmail(email) : undefined,
        login: userName?.toLowerCase(),
        displayName,
        department: str(enterprise.department),
        title: str(user.title),
        employeeNumber: str(enterprise.employeenumber),
        managerRef,
        employmentStatus,
        terminatedAt,
      });
      const userType = str(user.usertype)?.toLowerCase() ?? '';
      accounts.set(id, {
        applicationKey,
        externalId: id,
        login: userName,
        email,
        displayName,
        accountType: /service|system|bot|machine/.test(userType) ? 'service' : 'human',
        status: active ? 'enabled' : 'disabled',
        lastLoginAt: parseDate(employment.lastlogin),
        identityKey: key,
      });
    }
    // A manager named by SCIM id is resolved within the file; other forms are looked up
    // among stored identities when the rows are written.
    for (const identity of identities.values()) {
      const managerKey = identity.managerRef ? identityKeys.get(identity.managerRef) : undefined;
      if (managerKey) {
        identity.managerKey = managerKey;
        identity.managerRef = undefined;
      }
    }

    // Groups and memberships, from the groups' members and from the users' groups.
    const groupNames = new Map<string, string>();
    for (const group of groups.values()) {
      const id = str(group.id)!;
      groupNames.set(id, str(group.displayname) ?? id);
    }
    const directMembers = new Map<string, Set<string>>();
    const nested: [string, string][] = [];
    const addMember = (groupId: string, accountId: string) => {
      const members = directMembers.get(groupId) ?? new Set();
      members.add(accountId);
      directMembers.set(groupId, members);
    };
    for (const group of groups.values()) {
      const groupId = str(group.id)!;
      membersOf(group).forEach((member, index) => {
        const location = `${paths.get(group)}.members[${index}]`;
        if (member.type !== 'Group' && accounts.has(member.value))
          return addMember(groupId, member.value);
        if (member.type !== 'User' && groupNames.has(member.value))
          return nested.push([member.value, groupId]);
        if (member.type === 'User') {
          accounts.set(member.value, {
            applicationKey,
            externalId: member.value,
            displayName: member.display ?? member.value,
            accountType: 'human',
            status: 'unknown',
          });
          warnings.push({
            file,
            location,
            reason: `member "${member.value}" is not in the file; imported as an account with only its id and display name`,
          });
          return addMember(groupId, member.value);
        }
        if (member.type === 'Group') {
          groupNames.set(member.value, member.display ?? member.value);
          warnings.push({
            file,
            location,
            reason: `member group "${member.value}" is not in the file; imported with only its id`,
          });
          return nested.push([member.value, groupId]);
        }
        badRows.push({
          file,
          location,
          field: 'members',
          reason: `unknown member "${member.value}": no User or Group in the file has this id, and the member has no type or $ref`,
        });
      });
    }
    for (const user of users.values()) {
      const userId = str(user.id) ?? str(user.username)!;
      if (!accounts.has(userId)) continue;
      const memberships = Array.isArray(user.groups) ? (user.groups as Json[]) : [];
      for (const membership of memberships) {
        const groupId = str(membership?.value);
        // Indirect memberships are derived from the nesting below, not taken from the user.
        if (!groupId || str(membership.type)?.toLowerCase() === 'indirect') continue;
        if (!groupNames.has(groupId)) groupNames.set(groupId, str(membership.display) ?? groupId);
        addMember(groupId, userId);
      }
    }

    // Each group's membership is the resource `<group id>:member`; members of a nested
    // group hold it through the nested group's own membership resource.
    const memberResource = (groupId: string) => `${groupId}:member`;
    const direct = new Map(
      [...directMembers].map(([groupId, members]) => [memberResource(groupId), members]),
    );
    const edges = nested.map(
      ([child, parent]) => [memberResource(child), memberResource(parent)] as [string, string],
    );
    for (const [groupId, displayName] of groupNames) {
      result.groups.push({ applicationKey, externalId: groupId, displayName });
      result.resources.push({
        applicationKey,
        externalId: memberResource(groupId),
        displayName: `${displayName} · member`,
        resourceType: 'group',
        parentExternalId: groupId,
        parentName: displayName,
        slug: 'member',
        grantsOwnership: false,
      });
    }
    const names = new Map(result.resources.map((row) => [row.externalId, row.displayName]));
    for (const [resource, holders] of expandHoldings(direct, edges)) {
      for (const [accountId, sources] of holders) {
        result.grants.push({
          applicationKey,
          externalId: `${resource}:user:${accountId}`,
          resourceExternalId: resource,
          principalType: 'account',
          principalExternalId: accountId,
          inherited: !direct.get(resource)?.has(accountId),
          sources: [...sources].map((source) => ({
            resourceExternalId: source,
            resourceName: names.get(source),
          })),
        });
      }
    }
    const groupGrantIds = new Set<string>();
    for (const [child, parent] of nested) {
      const externalId = `${memberResource(parent)}:group:${child}`;
      if (child === parent || groupGrantIds.has(externalId)) continue;
      groupGrantIds.add(externalId);
      result.grants.push({
        applicationKey,
        externalId,
        resourceExternalId: memberResource(parent),
        principalType: 'group',
        principalExternalId: child,
        inherited: false,
        sources: [],
      });
    }

    result.identities = [...identities.values()];
    result.accounts = [...accounts.values()];
    return result satisfies NormalisedImport;
  },
};
