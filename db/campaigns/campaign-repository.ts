import type { EntityManager } from '@mikro-orm/postgresql';
import type { PolicyVersion } from '../../workflows/policy.js';
import { closestMatch } from '../closest-match.js';
import type { CampaignScope, CampaignSourceImport } from '../entities/campaign.entity.js';
import { PolicyRepository } from '../policy-repository.js';
import {
  campaignReferences,
  checkCampaignDefinition,
  CampaignDefinitionError,
  readCampaignReferences,
  type CampaignDefinition,
  type CampaignProblem,
  type CampaignReferences,
  type CampaignView,
  type NoResponseRule,
} from './campaign-schema.js';

export type CampaignStatus = 'draft' | 'launching' | 'active' | 'closing' | 'closed';

/** A campaign as the CLI, the pages and the activities read it. */
export interface CampaignRecord {
  id: number;
  name: string;
  instructions: string;
  instructionsRevision: number;
  defaultView: CampaignView;
  scope: CampaignScope;
  policyName: string;
  policyVersion: number;
  ownerId: number;
  ownerName: string;
  ownerEmail: string | null;
  adminIds: number[];
  startsAt: Date | null;
  dueAt: Date;
  noResponseRule: NoResponseRule;
  status: CampaignStatus;
  createdAt: Date;
  createdBy: string | null;
  snapshotAt: Date | null;
  snapshotGrants: number | null;
  sourceImports: CampaignSourceImport[] | null;
  workflowId: string | null;
  taskAdminIds: number[] | null;
  taskSuperAdminIds: number[] | null;
  launchedBy: string | null;
  launchedAt: Date | null;
  tasksStarted: number;
  digestsSentAt: Date | null;
  lastReminderAt: Date | null;
  closedBy: string | null;
  closeRule: NoResponseRule | null;
  closeSummary: Record<string, number> | null;
  closedAt: Date | null;
}

/** Raised when a campaign does not exist or is in the wrong state for a request. */
export class CampaignStateError extends Error {
  override name = 'CampaignStateError';

  static notFound(id: number) {
    return new CampaignStateError(`Campaign ${id} was not found.`);
  }
}

const SELECT = `
  select c.*, i.display_name as owner_name, i.email as owner_email
    from campaign c join identity i on i.id = c.owner_id`;

type Row = Record<string, unknown>;

const dateOrNull = (value: unknown) => (value ? new Date(value as string) : null);

function toRecord(row: Row): CampaignRecord {
  return {
    id: Number(row.id),
    name: String(row.name),
    instructions: String(row.instructions ?? ''),
    instructionsRevision: Number(row.instructions_revision),
    defaultView: row.default_view as CampaignView,
    scope: row.scope as CampaignScope,
    policyName: String(row.policy_name),
    policyVersion: Number(row.policy_version),
    ownerId: Number(row.owner_id),
    ownerName: String(row.owner_name),
    ownerEmail: (row.owner_email as string | null) ?? null,
    adminIds: (row.admin_ids as number[] | null) ?? [],
    startsAt: dateOrNull(row.starts_at),
    dueAt: new Date(row.due_at as string),
    noResponseRule: row.no_response_rule as NoResponseRule,
    status: row.status as CampaignStatus,
    createdAt: new Date(row.created_at as string),
    createdBy: (row.created_by as string | null) ?? null,
    snapshotAt: dateOrNull(row.snapshot_at),
    snapshotGrants: row.snapshot_grants === null ? null : Number(row.snapshot_grants),
    sourceImports: (row.source_imports as CampaignSourceImport[] | null) ?? null,
    workflowId: (row.workflow_id as string | null) ?? null,
    taskAdminIds: (row.task_admin_ids as number[] | null) ?? null,
    taskSuperAdminIds: (row.task_super_admin_ids as number[] | null) ?? null,
    launchedBy: (row.launched_by as string | null) ?? null,
    launchedAt: dateOrNull(row.launched_at),
    tasksStarted: Number(row.tasks_started ?? 0),
    digestsSentAt: dateOrNull(row.digests_sent_at),
    lastReminderAt: dateOrNull(row.last_reminder_at),
    closedBy: (row.closed_by as string | null) ?? null,
    closeRule: (row.close_rule as NoResponseRule | null) ?? null,
    closeSummary: (row.close_summary as Record<string, number> | null) ?? null,
    closedAt: dateOrNull(row.closed_at),
  };
}

/** Workflow id of a campaign's own workflow. */
export function campaignWorkflowId(campaignId: number): string {
  return `campaign-${campaignId}`;
}

/** Prefix shared by the workflow ids of a campaign's review tasks and their revocations. */
export function reviewTaskIdPrefix(campaignId: number): string {
  return `review-c${campaignId}-g`;
}

/** Workflow id of the review task for one grant in one campaign; launch retries rely on it. */
export function reviewTaskId(campaignId: number, grantId: number): string {
  return `${reviewTaskIdPrefix(campaignId)}${grantId}`;
}

/** Reads one campaign, or undefined. */
export async function findCampaign(
  em: EntityManager,
  id: number,
): Promise<CampaignRecord | undefined> {
  const [row] = await em.getConnection().execute<Row[]>(`${SELECT} where c.id = ?`, [id]);
  return row ? toRecord(row) : undefined;
}

/** Reads one campaign, or throws CampaignStateError. */
export async function getCampaign(em: EntityManager, id: number): Promise<CampaignRecord> {
  const campaign = await findCampaign(em, id);
  if (!campaign) throw CampaignStateError.notFound(id);
  return campaign;
}

/** Lists every campaign, newest first. */
export async function listCampaigns(em: EntityManager): Promise<CampaignRecord[]> {
  const rows = await em.getConnection().execute<Row[]>(`${SELECT} order by c.id desc`);
  return rows.map(toRecord);
}

// At most this many known names are listed for an unknown name with no close match.
const MAX_LISTED_NAMES = 10;

/** Describes a policy name or version that is not published. */
async function missingPolicyProblem(
  policies: PolicyRepository,
  name: string,
  version: number | undefined,
): Promise<CampaignProblem> {
  if (version !== undefined && (await policies.find(name))) {
    return {
      path: ['policyVersion'],
      message: `policy "${name}" has no published version ${version}`,
    };
  }
  const published = (await policies.listLatest()).map((row) => row.name);
  const match = closestMatch(name, published);
  const listed = published.length > 0 && published.length <= MAX_LISTED_NAMES;
  let fix = 'publish it with recert policy publish';
  if (match) fix = `did you mean ${match}?`;
  else if (listed) fix = `use one of ${published.join(', ')}, or ${fix}`;
  return { path: ['policy'], message: `no policy named "${name}" is published; ${fix}` };
}

/** Describes each application key that no imported application has. */
async function unknownApplicationProblems(
  em: EntityManager,
  keys: (string | undefined)[],
): Promise<CampaignProblem[]> {
  const db = em.getConnection();
  const namedKeys = keys.filter((key) => key !== undefined);
  if (namedKeys.length === 0) return [];
  const found = await db.execute<{ key: string }[]>(
    'select key from application where key in (?)',
    [namedKeys],
  );
  const foundKeys = new Set(found.map((row) => row.key));
  if (namedKeys.every((key) => foundKeys.has(key))) return [];

  const known = (
    await db.execute<{ key: string }[]>('select key from application order by key')
  ).map((row) => row.key);
  const problems: CampaignProblem[] = [];
  keys.forEach((key, index) => {
    if (key === undefined || foundKeys.has(key)) return;
    const match = closestMatch(key, known);
    let message = `no application has the key "${key}"; `;
    if (known.length === 0)
      message = `no application has the key "${key}", and none is imported yet; import one with recert import`;
    else if (match) message += `did you mean ${match}?`;
    else if (known.length <= MAX_LISTED_NAMES) message += `use one of ${known.join(', ')}`;
    else message += `check it against the ${known.length} imported applications`;
    problems.push({ path: ['scope', 'applications', index], message });
  });
  return problems;
}

/** Problems found by checkReferences, and the stored policy, owner and admins the names match. */
interface CheckedReferences {
  problems: CampaignProblem[];
  policy?: PolicyVersion;
  ownerId?: number;
  adminIds: number[];
}

/**
 * Checks the references of a definition against stored data: a published policy version, an
 * active owner and admins, known applications and a due date after `now`. Fields that are
 * undefined were rejected by the schema and are not checked.
 */
async function checkReferences(
  em: EntityManager,
  references: CampaignReferences,
  now: Date,
): Promise<CheckedReferences> {
  const problems: CampaignProblem[] = [];
  const db = em.getConnection();
  const policies = new PolicyRepository(em);

  let policy: PolicyVersion | undefined;
  if (references.policy !== undefined) {
    policy = await policies.find(references.policy, references.policyVersion);
    if (!policy)
      problems.push(
        await missingPolicyProblem(policies, references.policy, references.policyVersion),
      );
  }

  const admins = references.admins;
  const emails = [references.owner, ...admins].filter((email) => email !== undefined);
  const people = emails.length
    ? await db.execute<{ id: number; email: string; employment_status: string }[]>(
        `select id, lower(email) as email, employment_status from identity where lower(email) in (?)`,
        [emails],
      )
    : [];
  const active = new Map(
    people.filter((p) => p.employment_status !== 'terminated').map((p) => [p.email, p.id]),
  );
  const ownerId = references.owner === undefined ? undefined : active.get(references.owner);
  if (references.owner !== undefined && ownerId === undefined)
    problems.push({
      path: ['owner'],
      message: `no active identity has the email ${references.owner}`,
    });
  const adminIds: number[] = [];
  admins.forEach((email, index) => {
    if (email === undefined) return;
    const id = active.get(email);
    if (id === undefined)
      problems.push({
        path: ['admins', index],
        message: `no active identity has the email ${email}`,
      });
    else if (!adminIds.includes(id)) adminIds.push(id);
  });

  problems.push(...(await unknownApplicationProblems(em, references.applications)));

  if (references.dueAt !== undefined && references.dueAt <= now)
    problems.push({
      path: ['dueAt'],
      message: `${references.dueAt.toISOString()} is in the past; choose a later date`,
    });

  return { problems, policy, ownerId, adminIds };
}

/**
 * Validates raw campaign content, as read from a file or options, and creates the draft.
 * When the schema rejects the content, the fields it accepts are still checked against stored
 * data, so the CampaignDefinitionError lists every problem at once.
 */
export async function validateAndCreateCampaign(
  em: EntityManager,
  raw: unknown,
  createdBy: string,
  now = new Date(),
): Promise<CampaignRecord> {
  const result = checkCampaignDefinition(raw);
  if (result.definition) return createCampaign(em, result.definition, createdBy, now);
  const checked = await checkReferences(em, readCampaignReferences(raw), now);
  throw CampaignDefinitionError.from([...result.problems, ...checked.problems]);
}

/**
 * Checks a definition against stored data (published policy, active owner and admins, known
 * applications, a due date in the future) and inserts the campaign as a draft. Every problem
 * is reported at once, each naming its field.
 */
export async function createCampaign(
  em: EntityManager,
  definition: CampaignDefinition,
  createdBy: string,
  now = new Date(),
): Promise<CampaignRecord> {
  const db = em.getConnection();
  const { problems, policy, ownerId, adminIds } = await checkReferences(
    em,
    campaignReferences(definition),
    now,
  );
  if (problems.length > 0 || !policy || ownerId === undefined)
    throw CampaignDefinitionError.from(problems);

  const keys = definition.scope.applications;
  const scope: CampaignScope = {
    applicationKeys: keys,
    resourceTypes: definition.scope.resourceTypes,
    riskLevels: definition.scope.riskLevels,
    grantKind: definition.scope.grantKind,
    principalType: definition.scope.principalType,
    includeDisabledAccounts: definition.scope.includeDisabledAccounts,
    includeOrphanedAccounts: definition.scope.includeOrphanedAccounts,
  };
  const [row] = await db.execute<{ id: number }[]>(
    `insert into campaign (name, instructions, default_view, scope, policy_name, policy_version,
       owner_id, admin_ids, starts_at, due_at, no_response_rule, status, created_by)
     values (?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, ?, ?, 'draft', ?) returning id`,
    [
      definition.name,
      definition.instructions,
      definition.defaultView,
      JSON.stringify(scope),
      policy.name,
      policy.version,
      ownerId,
      JSON.stringify(adminIds),
      definition.startsAt ?? null,
      definition.dueAt,
      definition.noResponseRule,
      createdBy,
    ],
  );
  return getCampaign(em, row!.id);
}

/**
 * Moves a campaign from one of `from` to `to` and sets the given columns. Returns false when
 * the campaign was in another state, so two concurrent requests cannot both win.
 */
export async function transitionCampaign(
  em: EntityManager,
  id: number,
  from: CampaignStatus[],
  to: CampaignStatus,
  columns: Record<string, unknown> = {},
): Promise<boolean> {
  const names = Object.keys(columns);
  const assignments = names.map((name) => `${name} = ?`);
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `update campaign set status = ?${assignments.map((a) => `, ${a}`).join('')}
        where id = ? and status in (?) returning id`,
    [to, ...names.map((name) => columns[name]), id, from],
  );
  return rows.length > 0;
}
