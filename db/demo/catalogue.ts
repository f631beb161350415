/** Fixed data the demo organisation draws from: names, departments and applications. */
import type { RiskLevel } from '../import/types.js';

export const FIRST_NAMES = [
  'Ada',
  'Ahmed',
  'Aiko',
  'Alejandro',
  'Amara',
  'Anna',
  'Arjun',
  'Beatriz',
  'Ben',
  'Carlos',
  'Chen',
  'Chloe',
  'Daniel',
  'Dmitri',
  'Elena',
  'Emeka',
  'Emma',
  'Fatima',
  'Felix',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Isaac',
  'Jamal',
  'Julia',
  'Kai',
  'Kenji',
  'Lars',
  'Layla',
  'Leo',
  'Lucia',
  'Maya',
  'Mateo',
  'Mei',
  'Nadia',
  'Noah',
  'Olga',
  'Omar',
  'Priya',
  'Rafael',
  'Rosa',
  'Sami',
  'Sara',
  'Sofia',
  'Tariq',
  'Thomas',
  'Uma',
  'Victor',
  'Yara',
  'Yusuf',
  'Zoe',
];

export const LAST_NAMES = [
  'Abe',
  'Adeyemi',
  'Alvarez',
  'Andersen',
  'Bauer',
  'Bianchi',
  'Brown',
  'Chowdhury',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fernandes',
  'Fischer',
  'Garcia',
  'Haddad',
  'Hansen',
  'Ibrahim',
  'Ivanova',
  'Jensen',
  'Kim',
  'Kowalski',
  'Larsen',
  'Lee',
  'Lopez',
  'Moreau',
  'Murphy',
  'Nakamura',
  'Nguyen',
  'Novak',
  'Okafor',
  'Olsen',
  'Patel',
  'Petrov',
  'Quinn',
  'Rahman',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Singh',
  'Suzuki',
  'Tanaka',
  'Torres',
  'Urban',
  'Varga',
  'Wang',
  'Weber',
  'Yilmaz',
  'Zhang',
];

export interface Department {
  name: string;
  /** Share of the organisation, relative to the other departments. */
  weight: number;
  headTitle: string;
  managerTitle: string;
  titles: string[];
  /** Technical departments get GitHub and AWS accounts; the others never do. */
  technical: boolean;
}

export const DEPARTMENTS: Department[] = [
  {
    name: 'Engineering',
    weight: 34,
    headTitle: 'VP of Engineering',
    managerTitle: 'Engineering Manager',
    titles: [
      'Software Engineer',
      'Senior Software Engineer',
      'Staff Engineer',
      'Site Reliability Engineer',
      'QA Engineer',
    ],
    technical: true,
  },
  {
    name: 'Product',
    weight: 7,
    headTitle: 'VP of Product',
    managerTitle: 'Group Product Manager',
    titles: ['Product Manager', 'Senior Product Manager', 'Product Designer'],
    technical: true,
  },
  {
    name: 'IT',
    weight: 6,
    headTitle: 'Director of IT',
    managerTitle: 'IT Manager',
    titles: ['IT Support Specialist', 'Systems Administrator', 'Security Engineer'],
    technical: true,
  },
  {
    name: 'Sales',
    weight: 15,
    headTitle: 'VP of Sales',
    managerTitle: 'Sales Manager',
    titles: ['Account Executive', 'Sales Development Representative', 'Solutions Consultant'],
    technical: false,
  },
  {
    name: 'Marketing',
    weight: 8,
    headTitle: 'VP of Marketing',
    managerTitle: 'Marketing Manager',
    titles: ['Content Marketer', 'Growth Marketer', 'Events Coordinator'],
    technical: false,
  },
  {
    name: 'Customer Support',
    weight: 12,
    headTitle: 'Head of Support',
    managerTitle: 'Support Team Lead',
    titles: ['Support Engineer', 'Customer Success Manager', 'Support Specialist'],
    technical: false,
  },
  {
    name: 'Finance',
    weight: 7,
    headTitle: 'Chief Financial Officer',
    managerTitle: 'Finance Manager',
    titles: ['Accountant', 'Financial Analyst', 'Payroll Specialist'],
    technical: false,
  },
  {
    name: 'People',
    weight: 6,
    headTitle: 'VP of People',
    managerTitle: 'People Manager',
    titles: ['HR Business Partner', 'Recruiter', 'People Operations Specialist'],
    technical: false,
  },
  {
    name: 'Legal',
    weight: 3,
    headTitle: 'General Counsel',
    managerTitle: 'Legal Manager',
    titles: ['Corporate Counsel', 'Paralegal', 'Compliance Analyst'],
    technical: false,
  },
];

export const EXECUTIVE_DEPARTMENT = 'Executive';

export interface DemoResource {
  id: string;
  name: string;
  type: string;
  risk: RiskLevel;
  parent: string;
}

export interface DemoApplication {
  key: string;
  name: string;
  risk: RiskLevel;
  resources: DemoResource[];
}

export const GITHUB_ORG = 'acme';
export const REPOSITORIES = [
  'web-app',
  'api',
  'payments',
  'mobile',
  'infra',
  'data-pipeline',
  'docs',
  'design-system',
];
const REPO_LEVELS: [string, RiskLevel][] = [
  ['read', 'low'],
  ['write', 'medium'],
  ['admin', 'high'],
];

export const AWS_ACCOUNTS = ['prod', 'staging', 'dev'];
const AWS_ROLES: [string, RiskLevel][] = [
  ['ReadOnlyAccess', 'low'],
  ['Developer', 'medium'],
  ['PowerUserAccess', 'high'],
  ['AdministratorAccess', 'critical'],
];

const WORKDAY_ROLES: [string, string, RiskLevel][] = [
  ['employee-self-service', 'Employee self-service', 'low'],
  ['manager-self-service', 'Manager self-service', 'medium'],
  ['recruiter', 'Recruiter', 'medium'],
  ['finance-reporting', 'Finance reporting', 'medium'],
  ['hr-partner', 'HR business partner', 'high'],
  ['compensation-viewer', 'Compensation viewer', 'high'],
  ['payroll-admin', 'Payroll administrator', 'critical'],
];

/** Risk raised one step for production AWS roles, because they reach customer data. */
function productionRisk(env: string, risk: RiskLevel): RiskLevel {
  if (env !== 'prod') return risk;
  if (risk === 'low') return 'medium';
  if (risk === 'medium') return 'high';
  return 'critical';
}

export const APPLICATIONS: DemoApplication[] = [
  {
    key: 'github',
    name: 'GitHub',
    risk: 'high',
    resources: [
      {
        id: `org:${GITHUB_ORG}:member`,
        name: `${GITHUB_ORG} organization · member`,
        type: 'organization',
        risk: 'low',
        parent: `org:${GITHUB_ORG}`,
      },
      {
        id: `org:${GITHUB_ORG}:owner`,
        name: `${GITHUB_ORG} organization · owner`,
        type: 'organization',
        risk: 'critical',
        parent: `org:${GITHUB_ORG}`,
      },
      ...REPOSITORIES.flatMap((repo) =>
        REPO_LEVELS.map(([level, risk]) => ({
          id: `repo:${repo}:${level}`,
          name: `${repo} · ${level}`,
          type: 'repository',
          risk,
          parent: `repo:${repo}`,
        })),
      ),
    ],
  },
  {
    key: 'aws',
    name: 'AWS',
    risk: 'critical',
    resources: AWS_ACCOUNTS.flatMap((env) =>
      AWS_ROLES.map(([role, risk]) => ({
        id: `${env}:${role}`,
        name: `${env} · ${role}`,
        type: 'permission-set',
        risk: productionRisk(env, risk),
        parent: `aws-account:${env}`,
      })),
    ),
  },
  {
    key: 'workday',
    name: 'Workday',
    risk: 'high',
    resources: WORKDAY_ROLES.map(([id, name, risk]) => ({
      id,
      name,
      type: 'security-group',
      risk,
      parent: `tenant:${GITHUB_ORG}`,
    })),
  },
];

/**
 * Resources that non-technical departments never get in the normal course; a peer outlier
 * is one person in such a department holding one of them.
 */
export const RARE_RESOURCES: [string, string][] = [
  ['aws', 'prod:AdministratorAccess'],
  ['aws', 'prod:PowerUserAccess'],
  ['aws', 'staging:AdministratorAccess'],
  ['aws', 'dev:Developer'],
  ['github', `org:${GITHUB_ORG}:owner`],
  ['github', 'repo:payments:admin'],
  ['github', 'repo:infra:write'],
  ['github', 'repo:api:write'],
  ['workday', 'payroll-admin'],
  ['workday', 'compensation-viewer'],
];
