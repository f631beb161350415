/**
 * Queries behind the reviewer lists. They read the `review_task` projection joined to the
 * imported names and never ask Temporal, so a page costs the same however many tasks it shows.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { REMOVAL_WAITING_SQL } from '../../db/search-sql.js';

export const VIEWS = ['by_application', 'by_user', 'unstructured'] as const;
export type ReviewView = (typeof VIEWS)[number];

/** open: waiting for me; done: decided by me; all: both. */
export const STATUS_FILTERS = ['open', 'done', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const RISK_LEVELS = ['critical', 'high', 'medium', 'low'] as const;
export const RECOMMENDATIONS = ['remove', 'closer_look', 'none'] as const;

export const PAGE_SIZE = 50;

export interface TaskFilters {
  campaignId?: number;
  applicationId?: number;
  risk?: string;
  recommendation?: string;
  status: StatusFilter;
  /** mine (the reviewer's own tasks) or all (every task; administrators only). */
  scope: 'mine' | 'all';
}

/** One task as lists show it. */
export interface TaskListRow {
  id: string;
  campaignId: number | null;
  campaignName: string | null;
  status: string;
  stepIndex: number;
  stepName: string | null;
  policyName: string;
  policyVersion: number;
  riskLevel: string | null;
  recommendation: string | null;
  stepDueAt: Date | null;
  revocationStatus: string | null;
  assigneeIds: number[];
  applicationId: number | null;
  applicationName: string | null;
  resourceId: number | null;
  accountId: number | null;
  grantId: number | null;
  resourceName: string | null;
  resourceType: string | null;
  accountName: string | null;
  accountLogin: string | null;
  accountStatus: string | null;
  accountType: string | null;
  subjectIdentityId: number | null;
  subjectName: string | null;
  principalType: string | null;
  inherited: boolean;
  groupName: string | null;
  /** Names of the resources an inherited grant comes through. */
  grantedVia: string[];
  decidedByMe: boolean;
}

const DECISIONS = `('certified', 'removed')`;

const ROW_COLUMNS = `
  t.id, t.campaign_id, c.name as campaign_name, t.status, t.step_index, t.step_name,
  t.policy_name, t.policy_version, t.risk_level, t.recommendation, t.step_due_at,
  t.revocation_status, t.assignee_ids, t.application_id, a.name as application_name,
  t.resource_id, t.account_id, t.grant_id,
  r.display_name as resource_name, r.resource_type,
  acc.display_name as account_name, acc.login as account_login, acc.status as account_status,
  acc.account_type, t.subject_identity_id, si.display_name as subject_name,
  g.principal_type, coalesce(g.inherited, false) as inherited, pg.display_name as group_name,
  g.sources,
  exists (select 1 from task_event e
           where e.task_id = t.id and e.actor_id = ? and e.type in ${DECISIONS}) as decided_by_me`;

/** Joins for a row's names; follows `from review_task t`. */
const ROW_JOINS = `
  left join campaign c on c.id = t.campaign_id
  left join application a on a.id = t.application_id
  left join resource r on r.id = t.resource_id
  left join account acc on acc.id = t.account_id
  left join identity si on si.id = t.subject_identity_id
  left join "grant" g on g.id = t.grant_id
  left join principal_group pg on pg.id = g.group_id`;

const ORDER: Record<ReviewView, string> = {
  by_application: `a.name nulls last, t.application_id, r.display_name, si.display_name, t.id`,
  by_user: `si.display_name nulls last, t.subject_identity_id, a.name, r.display_name, t.id`,
  unstructured: `t.step_due_at nulls last,
    case t.risk_level when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end,
    a.name, r.display_name, t.id`,
};

/** A SQL condition with its parameters, in order. */
interface Condition {
  sql: string;
  params: unknown[];
}

/** The condition for a reviewer's tasks under a status filter: waiting, decided by them, or both. */
function scopeCondition(reviewerId: number, filters: TaskFilters): Condition {
  if (filters.scope === 'all') {
    if (filters.status === 'open') return { sql: `t.status = 'open'`, params: [] };
    if (filters.status === 'done') return { sql: `t.status <> 'open'`, params: [] };
    return { sql: 'true', params: [] };
  }
  const me = JSON.stringify([reviewerId]);
  if (filters.status === 'open') {
    return { sql: `t.status = 'open' and t.assignee_ids @> ?::jsonb`, params: [me] };
  }
  const decided = `select e.task_id from task_event e where e.actor_id = ? and e.type in ${DECISIONS}`;
  if (filters.status === 'done') return { sql: `t.id in (${decided})`, params: [reviewerId] };
  // A union of two indexed lookups; an OR across them would scan the whole table.
  return {
    sql: `t.id in (select x.id from review_task x where x.status = 'open' and x.assignee_ids @> ?::jsonb
                   union ${decided})`,
    params: [me, reviewerId],
  };
}

function filterConditions(filters: TaskFilters, skip: ('campaign' | 'application')[] = []) {
  const parts: Condition[] = [];
  if (filters.campaignId !== undefined && !skip.includes('campaign')) {
    parts.push({ sql: 't.campaign_id = ?', params: [filters.campaignId] });
  }
  if (filters.applicationId !== undefined && !skip.includes('application')) {
    parts.push({ sql: 't.application_id = ?', params: [filters.applicationId] });
  }
  if (filters.risk) parts.push({ sql: 't.risk_level = ?', params: [filters.risk] });
  if (filters.recommendation === 'none') {
    parts.push({ sql: `coalesce(t.recommendation, 'none') = 'none'`, params: [] });
  } else if (filters.recommendation) {
    parts.push({ sql: 't.recommendation = ?', params: [filters.recommendation] });
  }
  return parts;
}

function and(parts: Condition[]): Condition {
  if (parts.length === 0) return { sql: 'true', params: [] };
  return {
    sql: parts.map((part) => `(${part.sql})`).join(' and '),
    params: parts.flatMap((part) => part.params),
  };
}

interface RawRow {
  id: string;
  campaign_id: number | null;
  campaign_name: string | null;
  status: string;
  step_index: number;
  step_name: string | null;
  policy_name: string;
  policy_version: number;
  risk_level: string | null;
  recommendation: string | null;
  step_due_at: Date | null;
  revocation_status: string | null;
  assignee_ids: number[];
  application_id: number | null;
  application_name: string | null;
  resource_id: number | null;
  account_id: number | null;
  grant_id: number | null;
  resource_name: string | null;
  resource_type: string | null;
  account_name: string | null;
  account_login: string | null;
  account_status: string | null;
  account_type: string | null;
  subject_identity_id: number | null;
  subject_name: string | null;
  principal_type: string | null;
  inherited: boolean;
  group_name: string | null;
  sources: { resourceName?: string; resourceExternalId?: string }[] | null;
  decided_by_me: boolean;
  total_count?: string | number;
}

function toRow(raw: RawRow): TaskListRow {
  return {
    id: raw.id,
    campaignId: raw.campaign_id,
    campaignName: raw.campaign_name,
    status: raw.status,
    stepIndex: raw.step_index,
    stepName: raw.step_name,
    policyName: raw.policy_name,
    policyVersion: raw.policy_version,
    riskLevel: raw.risk_level,
    recommendation: raw.recommendation,
    stepDueAt: raw.step_due_at ? new Date(raw.step_due_at) : null,
    revocationStatus: raw.revocation_status,
    assigneeIds: raw.assignee_ids ?? [],
    applicationId: raw.application_id,
    applicationName: raw.application_name,
    resourceId: raw.resource_id,
    accountId: raw.account_id,
    grantId: raw.grant_id,
    resourceName: raw.resource_name,
    resourceType: raw.resource_type,
    accountName: raw.account_name,
    accountLogin: raw.account_login,
    accountStatus: raw.account_status,
    accountType: raw.account_type,
    subjectIdentityId: raw.subject_identity_id,
    subjectName: raw.subject_name,
    principalType: raw.principal_type,
    inherited: raw.inherited,
    groupName: raw.group_name,
    grantedVia: (raw.sources ?? [])
      .map((source) => source.resourceName ?? source.resourceExternalId ?? '')
      .filter(Boolean),
    decidedByMe: raw.decided_by_me,
  };
}

/** Builds the SQL of one list page; the benchmark's bare route runs exactly this query. */
export function taskPageQuery(
  reviewerId: number,
  filters: TaskFilters,
  view: ReviewView,
  page: number,
  subject?: { identityId: number | null },
): { sql: string; params: unknown[] } {
  const parts = [scopeCondition(reviewerId, filters), ...filterConditions(filters)];
  if (subject) {
    parts.push(
      subject.identityId === null
        ? { sql: 't.subject_identity_id is null', params: [] }
        : { sql: 't.subject_identity_id = ?', params: [subject.identityId] },
    );
  }
  const where = and(parts);
  const offset = subject ? 0 : (page - 1) * PAGE_SIZE;
  // A subject's tasks are shown all at once in the by-user view; 500 bounds a pathological case.
  const limit = subject ? 500 : PAGE_SIZE;
  return {
    // The inner query sorts only the columns the order needs and keeps one page of ids. The
    // outer query then joins the remaining names for those rows alone.
    sql: `select ${ROW_COLUMNS}, p.total_count
            from (select t.id, count(*) over () as total_count
                    from review_task t
                    left join application a on a.id = t.application_id
                    left join resource r on r.id = t.resource_id
                    left join identity si on si.id = t.subject_identity_id
                   where ${where.sql}
                   order by ${ORDER[view]} limit ${limit} offset ${offset}) p
            join review_task t on t.id = p.id ${ROW_JOINS}
           order by ${ORDER[view]}`,
    params: [reviewerId, ...where.params],
  };
}

/** Lists one page of tasks and counts all that match the filters. */
export async function listTasks(
  em: EntityManager,
  reviewerId: number,
  filters: TaskFilters,
  view: ReviewView,
  page: number,
  subject?: { identityId: number | null },
): Promise<{ rows: TaskListRow[]; total: number }> {
  const query = taskPageQuery(reviewerId, filters, view, page, subject);
  const raw = await em.getConnection().execute<RawRow[]>(query.sql, query.params);
  return { rows: raw.map(toRow), total: Number(raw[0]?.total_count ?? 0) };
}

/** Finds one task as a list row, for redrawing it after an action; undefined when absent. */
export async function findTaskRow(
  em: EntityManager,
  viewerId: number,
  taskId: string,
): Promise<TaskListRow | undefined> {
  const [raw] = await em
    .getConnection()
    .execute<RawRow[]>(`select ${ROW_COLUMNS} from review_task t ${ROW_JOINS} where t.id = ?`, [
      viewerId,
      taskId,
    ]);
  return raw ? toRow(raw) : undefined;
}

/** Finds the given tasks as list rows, in no particular order, leaving out unknown ids. */
export async function findTaskRows(
  em: EntityManager,
  viewerId: number,
  taskIds: string[],
): Promise<TaskListRow[]> {
  if (taskIds.length === 0) return [];
  const raw = await em.getConnection().execute<RawRow[]>(
    `select ${ROW_COLUMNS} from review_task t ${ROW_JOINS}
        where t.id in (select jsonb_array_elements_text(?::jsonb))`,
    [viewerId, JSON.stringify(taskIds)],
  );
  return raw.map(toRow);
}

/** Ids of every task matching the filters (for "all matching this filter"), up to `max`. */
export async function matchingTaskIds(
  em: EntityManager,
  reviewerId: number,
  filters: TaskFilters,
  max: number,
): Promise<string[]> {
  const where = and([scopeCondition(reviewerId, filters), ...filterConditions(filters)]);
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      `select t.id from review_task t where ${where.sql} order by t.id limit ${max}`,
      where.params,
    );
  return rows.map((row) => row.id);
}

/** Open and done counts per campaign and application, for the counts and the filter choices. */
export interface TaskSummaryRow {
  campaignId: number | null;
  campaignName: string | null;
  applicationId: number | null;
  applicationName: string | null;
  open: number;
  done: number;
}

/**
 * Counts a reviewer's tasks by campaign and application under the risk and recommendation
 * filters. The campaign and application filters are left out so their choices stay complete.
 */
export async function summariseTasks(
  em: EntityManager,
  reviewerId: number,
  filters: TaskFilters,
): Promise<TaskSummaryRow[]> {
  const rest = filterConditions(filters, ['campaign', 'application']);
  // One branch per count, so each uses its own index. A task both waiting for and decided by
  // the reviewer (after a restart, say) counts in both.
  const open = and([scopeCondition(reviewerId, { ...filters, status: 'open' }), ...rest]);
  const done = and([scopeCondition(reviewerId, { ...filters, status: 'done' }), ...rest]);
  const rows = await em.getConnection().execute<
    {
      campaign_id: number | null;
      campaign_name: string | null;
      application_id: number | null;
      application_name: string | null;
      open: string;
      done: string;
    }[]
  >(
    `select s.campaign_id, c.name as campaign_name, s.application_id, a.name as application_name,
            s.open, s.done
       from (select x.campaign_id, x.application_id,
                    count(*) filter (where x.open) as open, count(*) filter (where not x.open) as done
               from (select t.campaign_id, t.application_id, true as open
                       from review_task t where ${open.sql}
                     union all
                     select t.campaign_id, t.application_id, false
                       from review_task t where ${done.sql}) x
              group by x.campaign_id, x.application_id) s
       left join campaign c on c.id = s.campaign_id
       left join application a on a.id = s.application_id`,
    [...open.params, ...done.params],
  );
  return rows.map((row) => ({
    campaignId: row.campaign_id,
    campaignName: row.campaign_name,
    applicationId: row.application_id,
    applicationName: row.application_name,
    open: Number(row.open),
    done: Number(row.done),
  }));
}

/** Lists the people whose access is under review, for the by-user view. */
export async function listSubjects(
  em: EntityManager,
  reviewerId: number,
  filters: TaskFilters,
): Promise<{ identityId: number | null; name: string | null; tasks: number }[]> {
  const where = and([scopeCondition(reviewerId, filters), ...filterConditions(filters)]);
  const rows = await em
    .getConnection()
    .execute<{ subject_identity_id: number | null; subject_name: string | null; tasks: string }[]>(
      `select t.subject_identity_id, si.display_name as subject_name, count(*) as tasks
       from review_task t left join identity si on si.id = t.subject_identity_id
      where ${where.sql}
      group by t.subject_identity_id, si.display_name
      order by si.display_name nulls last, t.subject_identity_id`,
      where.params,
    );
  return rows.map((row) => ({
    identityId: row.subject_identity_id,
    name: row.subject_name,
    tasks: Number(row.tasks),
  }));
}

/** Campaign instructions and default view, for the campaigns a page lists. */
export interface CampaignInfo {
  id: number;
  name: string;
  instructions: string;
  instructionsRevision: number;
  defaultView: ReviewView;
  dueAt: Date | null;
}

export async function findCampaigns(em: EntityManager, ids: number[]): Promise<CampaignInfo[]> {
  if (ids.length === 0) return [];
  const rows = await em.getConnection().execute<
    {
      id: number;
      name: string;
      instructions: string;
      instructions_revision: number;
      default_view: string;
      due_at: Date | null;
    }[]
  >(
    `select id, name, instructions, instructions_revision, default_view, due_at
       from campaign where id in (select jsonb_array_elements_text(?::jsonb)::int) order by name`,
    [JSON.stringify(ids)],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    instructions: row.instructions,
    instructionsRevision: row.instructions_revision,
    defaultView: (VIEWS as readonly string[]).includes(row.default_view)
      ? (row.default_view as ReviewView)
      : 'by_application',
    dueAt: row.due_at,
  }));
}

/**
 * A removal that waits for the viewer: an approval, removing the access by hand, or the
 * follow-up of a failed removal.
 */
export interface RemovalWork {
  taskId: string;
  summary: string;
  status: 'pending_approval' | 'awaiting_manual' | 'failed' | 'verification_failed';
  since: Date;
}

/** Lists the removals that wait for `identityId`, oldest first, at most `limit` of them. */
export async function listRemovalWork(
  em: EntityManager,
  identityId: number,
  limit = 100,
): Promise<RemovalWork[]> {
  const rows = await em
    .getConnection()
    .execute<{ id: string; summary: string | null; revocation_status: string; updated_at: Date }[]>(
      `select id, summary, revocation_status, updated_at from review_task
      where revocation_status in ${REMOVAL_WAITING_SQL}
        and revocation_actor_ids @> ?::jsonb
      order by updated_at, id limit ?`,
      [JSON.stringify([identityId]), limit],
    );
  return rows.map((row) => ({
    taskId: row.id,
    summary: row.summary ?? row.id,
    status: row.revocation_status as RemovalWork['status'],
    since: row.updated_at,
  }));
}
