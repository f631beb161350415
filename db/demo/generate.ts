/**
 * Generates a believable, deterministic demo organisation as two files that Recert's
 * importers read: a SCIM 2.0 ListResponse (the directory: people, departments, titles,
 * managers, leavers) and a CSV of grants for GitHub, AWS and Workday. A directory and a CSV
 * are what a company without connectors exports, and accounts then reach identities only
 * through email matching, as they would in production.
 *
 * The organisation contains the cases reviewers must catch, in the numbers the returned
 * manifest states exactly.
 */
import { EMPLOYMENT_EXTENSION } from '../import/scim.js';
import {
  APPLICATIONS,
  AWS_ACCOUNTS,
  DEPARTMENTS,
  EXECUTIVE_DEPARTMENT,
  FIRST_NAMES,
  GITHUB_ORG,
  LAST_NAMES,
  RARE_RESOURCES,
  REPOSITORIES,
  type DemoApplication,
} from './catalogue.js';
import { SeededRandom } from './random.js';

/** The reference date of `recert demo generate` without `--as-of`, so its bytes never change. */
export const DEMO_REFERENCE_DATE = new Date('2026-01-05T00:00:00.000Z');
export const DEMO_DEFAULT_SEED = 1;
export const DEMO_DEFAULT_IDENTITIES = 300;
export const DEMO_MIN_IDENTITIES = 30;
/** Application key of the directory the SCIM file describes. */
export const DEMO_DIRECTORY_APPLICATION = 'okta';
/** An account whose last login is this many days or more before `asOf` counts as unused. */
export const DEMO_STALE_AFTER_DAYS = 90;
/**
 * CSV grants per identity, measured over seeds 1 to 5 at 1,000, 10,000 and 25,000
 * identities (4.45 to 4.51). Use it to size an organisation: 2,222 identities give 9,972
 * grants with seed 1, 11,111 give 49,680 and 55,556 give 248,151; the manifest gives the
 * exact count for any seed and size.
 */
export const DEMO_GRANTS_PER_IDENTITY = 4.5;

/** Returns the number of identities that yields about `grants` CSV grants. */
export function identitiesForGrants(grants: number): number {
  return Math.max(DEMO_MIN_IDENTITIES, Math.round(grants / DEMO_GRANTS_PER_IDENTITY));
}

const DAY = 86_400_000;

export interface DemoOptions {
  seed?: number;
  identities?: number;
  /** Date the organisation is generated for; logins and terminations lie before it. */
  asOf?: Date;
}

/** Exact counts of what a generated organisation holds, for tests and benchmarks. */
export interface DemoManifest {
  seed: number;
  identities: number;
  asOf: string;
  departments: Record<string, number>;
  /** The SCIM file: one account per person in the directory application, and department groups. */
  directory: { application: string; users: number; groups: number; memberships: number };
  /** The CSV file: accounts and grants per application key. */
  accounts: Record<string, number>;
  grants: Record<string, number>;
  totalGrants: number;
  cases: {
    /** People with employment status terminated (SCIM `active: false`). */
    terminatedIdentities: number;
    /** Terminated people whose application accounts still hold at least one grant. */
    terminatedWithAccess: number;
    /** Grants held by application accounts of terminated people. */
    terminatedGrants: number;
    /** Human application accounts whose email matches no person in the directory. */
    orphanedAccounts: number;
    /** Application accounts of type service; none matches a person. */
    serviceAccounts: number;
    /** Application accounts whose last login is DEMO_STALE_AFTER_DAYS or more before asOf. */
    staleAccounts: number;
    /** Application accounts with status disabled that still hold grants. */
    disabledAccountsWithGrants: number;
    /**
     * Planted (person, resource) pairs where the person is the only member of their
     * department holding the resource. Every other resource held in a department has at
     * least two holders there, counting all people of the directory.
     */
    peerOutliers: { email: string; department: string; application: string; resource: string }[];
  };
}

export interface DemoOrganisation {
  /** SCIM 2.0 ListResponse JSON of the directory's Users and Groups. */
  directory: string;
  /** CSV of grants, columns as in docs/importing.md. */
  grantsCsv: string;
  manifest: DemoManifest;
}

interface Person {
  id: string;
  first: string;
  last: string;
  email: string;
  department: string;
  title: string;
  managerId?: string;
  employeeNumber: string;
  status: 'active' | 'on_leave' | 'terminated';
  terminatedAt?: Date;
  isHead: boolean;
  isManager: boolean;
}

interface Account {
  application: DemoApplication;
  id: string;
  login: string;
  email: string;
  name: string;
  type: 'human' | 'service';
  status: 'enabled' | 'disabled';
  lastLogin: Date;
  person?: Person;
  grants: Set<string>;
  /** Grants planted as peer outliers, which the singleton pass must keep. */
  planted: Set<string>;
}

function daysBefore(date: Date, days: number): Date {
  return new Date(date.getTime() - days * DAY);
}

function splitByWeight(total: number, weights: number[], minimum: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((weight) => Math.max(minimum, Math.floor((total * weight) / sum)));
  // Hand out or take back the rounding difference, largest departments first.
  const order = weights.map((_, index) => index).sort((a, b) => weights[b]! - weights[a]!);
  let difference = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; difference !== 0; i = (i + 1) % order.length) {
    const index = order[i]!;
    if (difference > 0) {
      counts[index]!++;
      difference--;
    } else if (counts[index]! > minimum) {
      counts[index]!--;
      difference++;
    }
  }
  return counts;
}

function generatePeople(random: SeededRandom, total: number, asOf: Date): Person[] {
  const people: Person[] = [];
  const emails = new Set<string>();
  const newPerson = (
    department: string,
    title: string,
    managerId: string | undefined,
    role: 'head' | 'manager' | 'member',
  ) => {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    let email = `${first}.${last}@example.com`.toLowerCase();
    for (let n = 2; emails.has(email); n++)
      email = `${first}.${last}${n}@example.com`.toLowerCase();
    emails.add(email);
    const index = people.length;
    const person: Person = {
      id: `u-${String(index + 1).padStart(6, '0')}`,
      first,
      last,
      email,
      department,
      title,
      managerId,
      employeeNumber: `E${10001 + index}`,
      status: 'active',
      isHead: role === 'head',
      isManager: role !== 'member',
    };
    people.push(person);
    return person;
  };

  const ceo = newPerson(EXECUTIVE_DEPARTMENT, 'Chief Executive Officer', undefined, 'head');
  newPerson(EXECUTIVE_DEPARTMENT, 'Chief of Staff', ceo.id, 'member');
  const sizes = splitByWeight(
    total - 2,
    DEPARTMENTS.map((department) => department.weight),
    2,
  );
  DEPARTMENTS.forEach((department, index) => {
    const size = sizes[index]!;
    const head = newPerson(department.name, department.headTitle, ceo.id, 'head');
    const managerCount = size >= 4 ? Math.max(1, Math.floor((size - 1) / 8)) : 0;
    const managers = Array.from({ length: managerCount }, () =>
      newPerson(department.name, department.managerTitle, head.id, 'manager'),
    );
    for (let i = 1 + managerCount; i < size; i++) {
      const manager = managers.length > 0 ? managers[i % managers.length]! : head;
      newPerson(department.name, random.pick(department.titles), manager.id, 'member');
    }
  });

  // Leavers and people on leave; heads stay, so every department keeps its reporting line.
  for (const person of people) {
    if (person.isHead) continue;
    if (random.chance(0.04)) {
      person.status = 'terminated';
      person.terminatedAt = daysBefore(asOf, random.int(5, 120));
    } else if (random.chance(0.02)) person.status = 'on_leave';
  }
  return people;
}

/** Gives each person the accounts and grants their department and role call for. */
function assignAccess(random: SeededRandom, people: Person[], asOf: Date): Account[] {
  const accounts: Account[] = [];
  const byApplication = new Map(APPLICATIONS.map((application) => [application.key, application]));
  const accountOf = new Map<string, Account>();
  const account = (applicationKey: string, person: Person): Account => {
    const key = `${applicationKey}:${person.id}`;
    let existing = accountOf.get(key);
    if (!existing) {
      const application = byApplication.get(applicationKey)!;
      const login =
        applicationKey === 'github'
          ? `${person.first}-${person.last}-${person.id.slice(2)}`.toLowerCase()
          : person.email;
      existing = {
        application,
        id: applicationKey === 'workday' ? person.employeeNumber : login,
        login,
        email: person.email,
        name: `${person.first} ${person.last}`,
        type: 'human',
        status: 'enabled',
        lastLogin: daysBefore(asOf, random.int(0, 30)),
        person,
        grants: new Set(),
        planted: new Set(),
      };
      accountOf.set(key, existing);
      accounts.push(existing);
    }
    return existing;
  };

  const engineeringManagers = people.filter(
    (person) => person.department === 'Engineering' && person.isManager && !person.isHead,
  );
  const teamRepos = new Map(
    engineeringManagers.map((manager, index) => [
      manager.id,
      [
        REPOSITORIES[(2 * index) % REPOSITORIES.length]!,
        REPOSITORIES[(2 * index + 1) % REPOSITORIES.length]!,
      ],
    ]),
  );

  for (const person of people) {
    const workday = account('workday', person);
    workday.grants.add('employee-self-service');
    if (person.isManager) workday.grants.add('manager-self-service');
    if (person.department === 'People') {
      if (person.title === 'HR Business Partner' || person.isManager)
        workday.grants.add('hr-partner');
      if (person.title === 'Recruiter') workday.grants.add('recruiter');
      if (person.isManager) workday.grants.add('compensation-viewer');
    }
    if (person.department === 'Finance') {
      workday.grants.add('finance-reporting');
      if (person.title === 'Payroll Specialist' || person.isHead)
        workday.grants.add('payroll-admin');
      if (person.isManager) workday.grants.add('compensation-viewer');
    }

    if (person.department === 'Engineering') {
      const github = account('github', person);
      github.grants.add(`org:${GITHUB_ORG}:member`);
      if (person.isHead || engineeringManagers[0]?.id === person.id)
        github.grants.add(`org:${GITHUB_ORG}:owner`);
      const repos = teamRepos.get(person.isManager ? person.id : (person.managerId ?? '')) ?? [
        random.pick(REPOSITORIES),
      ];
      for (const repo of repos)
        github.grants.add(`repo:${repo}:${person.isManager ? 'admin' : 'write'}`);
      for (const repo of random.sample(REPOSITORIES, 2))
        if (!repos.includes(repo)) github.grants.add(`repo:${repo}:read`);

      const aws = account('aws', person);
      aws.grants.add('dev:Developer');
      aws.grants.add('staging:Developer');
      if (person.title === 'Site Reliability Engineer' || person.isHead)
        aws.grants.add('prod:PowerUserAccess');
      if (random.chance(0.5)) aws.grants.add('prod:ReadOnlyAccess');
    } else if (person.department === 'Product') {
      const github = account('github', person);
      github.grants.add(`org:${GITHUB_ORG}:member`);
      for (const repo of random.sample(REPOSITORIES, 2)) github.grants.add(`repo:${repo}:read`);
      account('aws', person).grants.add('prod:ReadOnlyAccess');
    } else if (person.department === 'IT') {
      const github = account('github', person);
      github.grants.add(`org:${GITHUB_ORG}:member`);
      github.grants.add('repo:infra:read');
      const aws = account('aws', person);
      for (const env of AWS_ACCOUNTS) aws.grants.add(`${env}:ReadOnlyAccess`);
      if (person.title === 'Systems Administrator' || person.isHead)
        aws.grants.add('prod:AdministratorAccess');
      if (person.title === 'Security Engineer') aws.grants.add('prod:PowerUserAccess');
    } else if (person.department === 'Finance' && person.title === 'Financial Analyst') {
      account('aws', person).grants.add('prod:ReadOnlyAccess');
    }
  }
  return accounts;
}

/** Removes grants whose holder is the only one in their department, except planted ones. */
function removeAccidentalOutliers(accounts: Account[]) {
  const holders = new Map<string, Set<string>>();
  const keyOf = (account: Account, resource: string) =>
    `${account.person!.department}\u0000${account.application.key}\u0000${resource}`;
  for (const account of accounts) {
    if (!account.person) continue;
    for (const resource of account.grants) {
      const key = keyOf(account, resource);
      const set = holders.get(key) ?? new Set();
      set.add(account.person.id);
      holders.set(key, set);
    }
  }
  for (const account of accounts) {
    if (!account.person) continue;
    for (const resource of [...account.grants]) {
      if (!account.planted.has(resource) && holders.get(keyOf(account, resource))!.size < 2)
        account.grants.delete(resource);
    }
  }
}

/** Generates the demo organisation for a seed and size; see the manifest for what it holds. */
export function generateDemoOrganisation(options: DemoOptions = {}): DemoOrganisation {
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const total = Math.max(
    DEMO_MIN_IDENTITIES,
    Math.floor(options.identities ?? DEMO_DEFAULT_IDENTITIES),
  );
  const asOf = options.asOf ?? DEMO_REFERENCE_DATE;
  const random = new SeededRandom(seed);
  const people = generatePeople(random, total, asOf);
  const accounts = assignAccess(random, people, asOf);

  // The order of these steps is part of the output: each draws from the same generator.
  const peerOutliers = plantPeerOutliers(random, people, accounts, asOf);
  removeAccidentalOutliers(accounts);
  markStaleAndDisabled(random, accounts, asOf);
  addOrphanedAccounts(random, accounts, total, asOf);
  addServiceAccounts(random, accounts, total, asOf);

  const accountsWithGrants = accounts.filter((account) => account.grants.size > 0);
  return {
    directory: directoryJson(people),
    grantsCsv: grantsCsv(accountsWithGrants, people),
    manifest: manifestFor(seed, total, asOf, people, accountsWithGrants, peerOutliers),
  };
}

const byApplication = new Map(APPLICATIONS.map((application) => [application.key, application]));

function plantPeerOutliers(
  random: SeededRandom,
  people: Person[],
  accounts: Account[],
  asOf: Date,
) {
  const total = people.length;
  // Peer outliers: one person in a non-technical department given a resource that no one
  // else in their department has. There are at most 60 such pairs (6 departments times
  // 10 resources) minus those the normal grants already use. So a large organisation
  // plants fewer than one per hundred people, and the manifest lists each one.
  const outlierCount = Math.max(2, Math.round(total / 100));
  const nonTechnical = DEPARTMENTS.filter((department) => !department.technical).map(
    (department) => department.name,
  );
  const heldInDepartment = new Set(
    accounts.flatMap((account) =>
      [...account.grants].map(
        (resource) =>
          `${account.person!.department}\u0000${account.application.key}\u0000${resource}`,
      ),
    ),
  );
  const candidatePairs = random.sample(
    nonTechnical.flatMap((department) =>
      RARE_RESOURCES.filter(
        ([application, resource]) =>
          !heldInDepartment.has(`${department}\u0000${application}\u0000${resource}`),
      ).map(([application, resource]) => ({ department, application, resource })),
    ),
    outlierCount,
  );

  const peerOutliers: DemoManifest['cases']['peerOutliers'] = [];
  for (const pair of candidatePairs) {
    const members = people.filter(
      (person) => person.department === pair.department && !person.isHead,
    );
    const person = random.pick(members);
    let account = accounts.find(
      (candidate) => candidate.person === person && candidate.application.key === pair.application,
    );
    if (!account) {
      account = {
        application: byApplication.get(pair.application)!,
        id: pair.application === 'workday' ? person.employeeNumber : person.email,
        login: person.email,
        email: person.email,
        name: `${person.first} ${person.last}`,
        type: 'human',
        status: 'enabled',
        lastLogin: daysBefore(asOf, random.int(0, 30)),
        person,
        grants: new Set(),
        planted: new Set(),
      };
      accounts.push(account);
    }

    account.grants.add(pair.resource);
    account.planted.add(pair.resource);
    peerOutliers.push({
      email: person.email,
      department: person.department,
      application: pair.application,
      resource: pair.resource,
    });
  }
  return peerOutliers;
}

function markStaleAndDisabled(random: SeededRandom, accounts: Account[], asOf: Date) {
  // Stale and disabled accounts among people's accounts.
  for (const account of accounts) {
    if (random.chance(0.06))
      account.lastLogin = daysBefore(asOf, random.int(DEMO_STALE_AFTER_DAYS + 10, 400));
    else if (account.person?.status !== 'terminated' && random.chance(0.02))
      account.status = 'disabled';
  }
}

function addOrphanedAccounts(random: SeededRandom, accounts: Account[], total: number, asOf: Date) {
  // Orphaned accounts: former contractors and legacy users with no person in the directory.
  const orphanCount = Math.max(3, Math.round(total / 100));
  for (let i = 1; i <= orphanCount; i++) {
    const application = byApplication.get(i % 3 === 0 ? 'aws' : 'github')!;
    const login = application.key === 'aws' ? `legacy-admin-${i}` : `former-contractor-${i}`;
    accounts.push({
      application,
      id: login,
      login,
      email: `${login}@contractors.example.net`,
      name: application.key === 'aws' ? `Legacy admin ${i}` : `Former contractor ${i}`,
      type: 'human',
      status: 'enabled',
      lastLogin: daysBefore(asOf, random.int(20, 300)),
      grants: new Set(
        application.key === 'aws'
          ? ['dev:AdministratorAccess']
          : [`org:${GITHUB_ORG}:member`, `repo:${random.pick(REPOSITORIES)}:write`],
      ),
      planted: new Set(),
    });
  }
}

function addServiceAccounts(random: SeededRandom, accounts: Account[], total: number, asOf: Date) {
  // Service accounts: automation with broad access and no person behind it.
  const services: [string, string, string[]][] = [
    ['github', 'ci-bot', REPOSITORIES.map((repo) => `repo:${repo}:write`)],
    ['aws', 'terraform', AWS_ACCOUNTS.map((env) => `${env}:AdministratorAccess`)],
    ['aws', 'backup-agent', ['prod:PowerUserAccess']],
    ['workday', 'payroll-integration', ['payroll-admin', 'finance-reporting']],
  ];
  const serviceCount = Math.max(services.length, Math.round(total / 100));
  for (let i = 0; i < serviceCount; i++) {
    const [applicationKey, name, grants] = services[i % services.length]!;
    const login = i < services.length ? name : `${name}-${Math.floor(i / services.length) + 1}`;
    accounts.push({
      application: byApplication.get(applicationKey)!,
      id: login,
      login,
      email: `svc-${login}@example.com`,
      name: login,
      type: 'service',
      status: 'enabled',
      lastLogin: daysBefore(asOf, random.int(0, 2)),
      grants: new Set(grants),
      planted: new Set(),
    });
  }
}

function directoryJson(people: Person[]): string {
  const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  const users = people.map((person) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', enterprise, EMPLOYMENT_EXTENSION],
    id: person.id,
    userName: person.email,
    name: { givenName: person.first, familyName: person.last },
    displayName: `${person.first} ${person.last}`,
    emails: [{ value: person.email, type: 'work', primary: true }],
    title: person.title,
    userType: 'Employee',
    active: person.status !== 'terminated',
    [enterprise]: {
      employeeNumber: person.employeeNumber,
      department: person.department,
      ...(person.managerId ? { manager: { value: person.managerId } } : {}),
    },
    [EMPLOYMENT_EXTENSION]: {
      employmentStatus: person.status,
      ...(person.terminatedAt
        ? { terminationDate: person.terminatedAt.toISOString().slice(0, 10) }
        : {}),
    },
    meta: { resourceType: 'User' },
  }));
  // Department groups list current staff; the directory removed leavers from them, which is
  // exactly what the downstream applications failed to do.
  const departments = [...new Set(people.map((person) => person.department))];
  const groups = departments.map((department, index) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: `g-${String(index + 1).padStart(3, '0')}`,
    displayName: department,
    members: people
      .filter((person) => person.department === department && person.status !== 'terminated')
      .map((person) => ({ value: person.id, type: 'User' })),
    meta: { resourceType: 'Group' },
  }));
  const resources = [...users, ...groups];
  return `${JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, Resources: resources }, null, 1)}\n`;
}

function grantsCsv(accounts: Account[], people: Person[]): string {
  const heads = new Map(
    people.filter((person) => person.isHead).map((person) => [person.department, person.email]),
  );
  const applicationOwners: Record<string, string | undefined> = {
    github: heads.get('Engineering'),
    aws: heads.get('IT'),
    workday: heads.get('People'),
  };
  const resourceOwner = (applicationKey: string, resource: string) => {
    if (applicationKey === 'workday')
      return ['payroll-admin', 'finance-reporting'].includes(resource)
        ? heads.get('Finance')
        : heads.get('People');
    if (applicationKey === 'aws' && resource.startsWith('prod:')) return heads.get('IT');
    return undefined;
  };
  const rows: string[][] = [];
  for (const account of accounts) {
    const application = account.application;
    for (const resourceId of [...account.grants].sort()) {
      const resource = application.resources.find((candidate) => candidate.id === resourceId)!;
      rows.push([
        application.key,
        application.name,
        application.risk,
        applicationOwners[application.key] ?? '',
        account.id,
        account.login,
        account.email,
        account.name,
        account.type,
        account.status,
        account.lastLogin.toISOString(),
        resource.id,
        resource.name,
        resource.type,
        resource.risk,
        resource.parent,
        resourceOwner(application.key, resource.id) ?? '',
      ]);
    }
  }
  rows.sort((a, b) => (a[0]! + a[4]! + a[11]!).localeCompare(b[0]! + b[4]! + b[11]!));
  const header = [
    'application',
    'application_name',
    'application_risk',
    'application_owner_emails',
    'account_id',
    'account_login',
    'account_email',
    'account_name',
    'account_type',
    'account_status',
    'last_login',
    'resource_id',
    'resource_name',
    'resource_type',
    'resource_risk',
    'resource_parent',
    'resource_owner_emails',
  ];
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** Quotes a CSV field that contains a comma, quote or line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function manifestFor(
  seed: number,
  total: number,
  asOf: Date,
  people: Person[],
  accounts: Account[],
  peerOutliers: DemoManifest['cases']['peerOutliers'],
): DemoManifest {
  const count = <T>(items: T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>(
      (counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }),
      {},
    );
  const staleBefore = asOf.getTime() - DEMO_STALE_AFTER_DAYS * DAY;
  const terminatedAccounts = accounts.filter((account) => account.person?.status === 'terminated');
  const departments = new Set(people.map((person) => person.department));
  const grants: Record<string, number> = {};
  for (const account of accounts)
    grants[account.application.key] = (grants[account.application.key] ?? 0) + account.grants.size;
  const members = people.filter((person) => person.status !== 'terminated').length;
  return {
    seed,
    identities: total,
    asOf: asOf.toISOString(),
    departments: count(people, (person) => person.department),
    directory: {
      application: DEMO_DIRECTORY_APPLICATION,
      users: people.length,
      groups: departments.size,
      memberships: members,
    },
    accounts: count(accounts, (account) => account.application.key),
    grants,
    totalGrants: Object.values(grants).reduce((a, b) => a + b, 0),
    cases: {
      terminatedIdentities: people.filter((person) => person.status === 'terminated').length,
      terminatedWithAccess: new Set(terminatedAccounts.map((account) => account.person!.id)).size,
      terminatedGrants: terminatedAccounts.reduce((sum, account) => sum + account.grants.size, 0),
      orphanedAccounts: accounts.filter((account) => !account.person && account.type === 'human')
        .length,
      serviceAccounts: accounts.filter((account) => account.type === 'service').length,
      staleAccounts: accounts.filter((account) => account.lastLogin.getTime() <= staleBefore)
        .length,
      disabledAccountsWithGrants: accounts.filter((account) => account.status === 'disabled')
        .length,
      peerOutliers,
    },
  };
}
