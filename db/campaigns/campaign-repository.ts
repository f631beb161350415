import type { EntityManager } from '@mikro-orm/postgresql';
import type { CampaignScope, CampaignSourceImport } from '../entities/campaign.entity.js';
import { PolicyRepository } from '../policy-repository.js';
import {
  CampaignDefinitionError,
  type CampaignDefinition,
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
  const problems: string[] = [];
  const db = em.getConnection();

  const policy = await new PolicyRepository(em).find(definition.policy, definition.policyVersion);
  if (!policy) {
    problems.push(
      definition.policyVersion === undefined
        ? `policy: no policy named "${definition.policy}" is published; publish it with recert policy publish`
        : `policyVersion: policy "${definition.policy}" has no published version ${definition.policyVersion}`,
    );
  }

  const emails = [definition.owner, ...definition.admins];
  const people = await db.execute<{ id: number; email: string; employment_status: string }[]>(
    `select id, lower(email) as email, employment_status from identity where lower(email) in (?)`,
    [emails],
  );
  const active = new Map(
    people.filter((p) => p.employment_status !== 'terminated').map((p) => [p.email, p.id]),
  );
  const ownerId = active.get(definition.owner);
  if (ownerId === undefined)
    problems.push(`owner: no active identity has the email ${definition.owner}`);
  const adminIds: number[] = [];
  definition.admins.forEach((email, index) => {
    const id = active.get(email);
    if (id === undefined)
      problems.push(`admins.${index}: no active identity has the email ${email}`);
    else if (!adminIds.includes(id)) adminIds.push(id);
  });

  const keys = definition.scope.applications;
  if (keys.length > 0) {
    const known = new Set(
      (
        await db.execute<{ key: string }[]>('select key from application where key in (?)', [keys])
      ).map((row) => row.key),
    );
    keys.forEach((key, index) => {
      if (!known.has(key))
        problems.push(`scope.applications.${index}: no application has the key "${key}"`);
    });
  }
  if (definition.dueAt <= now)
    problems.push(`dueAt: ${definition.dueAt.toISOString()} is in the past; choose a later date`);

  if (problems.length > 0 || !policy || ownerId === undefined)
    throw new CampaignDefinitionError(problems);

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
