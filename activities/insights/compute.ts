/**
 * Computes insights for many grants at once with one set-based query, then applies the
 * recommendation rules to each. Campaign launch calls it for every grant in scope;
 * `refreshTaskInsights` calls it for one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InsightsSnapshot, PeerCount, Recommendation } from '../../workflows/insights.js';
import { DEFAULT_INSIGHTS_CONFIG, loadInsightsConfig, type InsightsConfig } from './config.js';
import { recommend } from './rules.js';

/** The insights and recommendation a review task shows beside one grant. */
export interface GrantInsights {
  insights: InsightsSnapshot;
  recommendation: Recommendation;
}

const DAY_MS = 86_400_000;

// Peers are current staff: terminated identities are left out of both the holders and the
// group sizes, so leavers who kept their access cannot make it look normal. The subject is
// subtracted from both counts in the final select. Every join is an equality join that
// PostgreSQL can hash, so the cost grows with the number of grants, not with its square.
// `holding` has one row per (resource, account) and `peer_holder` one per (resource,
// identity), so joining the subject's own row adds no rows.
const INSIGHTS_SQL = `
with subject as (
  select g.id as grant_id, g.resource_id, g.account_id, g.principal_type, g.inherited, g.sources,
         g.first_seen_at, g.removed_at as grant_removed_at,
         r.risk_level, r.grants_ownership,
         a.identity_id, a.account_type, a.status as account_status,
         a.last_login_at, a.last_used_at,
         nullif(btrim(i.department), '') as department, i.manager_id,
         nullif(btrim(i.title), '') as title,
         i.employment_status, i.terminated_at, m.display_name as manager_name
    from "grant" g
    join resource r on r.id = g.resource_id
    left join account a on a.id = g.account_id
    left join identity i on i.id = a.identity_id
    left join identity m on m.id = i.manager_id
   where g.id = any(?::int[])
),
holding as (
  select distinct g.resource_id, g.account_id, a.identity_id, a.account_type
    from "grant" g
    join account a on a.id = g.account_id
   where g.removed_at is null and a.removed_at is null
     and g.resource_id in (select distinct resource_id from subject)
),
peer_holder as (
  select distinct h.resource_id, h.identity_id,
         nullif(btrim(i.department), '') as department, i.manager_id,
         nullif(btrim(i.title), '') as title
    from holding h
    join identity i on i.id = h.identity_id
   where i.employment_status <> 'terminated'
),
resource_holders as (
  select resource_id,
         count(distinct identity_id) as identities,
         count(*) filter (where account_type = 'service') as service_accounts,
         count(*) filter (where account_type <> 'service') as human_accounts
    from holding
   group by resource_id
),
department_holders as (
  select resource_id, department, count(*) as holders
    from peer_holder where department is not null group by resource_id, department
),
manager_holders as (
  select resource_id, manager_id, count(*) as holders
    from peer_holder where manager_id is not null group by resource_id, manager_id
),
title_holders as (
  select resource_id, title, count(*) as holders
    from peer_holder where title is not null group by resource_id, title
),
staff as (
  select id, nullif(btrim(department), '') as department, manager_id,
         nullif(btrim(title), '') as title
    from identity where employment_status <> 'terminated'
),
department_size as (
  select department, count(*) as members from staff
   where department in (select department from subject) group by department
),
manager_size as (
  select manager_id, count(*) as members from staff
   where manager_id in (select manager_id from subject) group by manager_id
),
title_size as (
  select title, count(*) as members from staff
   where title in (select title from subject) group by title
)
select s.grant_id, s.principal_type, s.inherited,
       case when s.inherited then s.sources end as sources,
       floor(extract(epoch from s.first_seen_at) * 1000)::float8 as first_seen_ms,
       floor(extract(epoch from s.grant_removed_at) * 1000)::float8 as grant_removed_ms,
       s.risk_level, s.grants_ownership,
       s.account_id is not null as has_account, s.identity_id is not null as has_identity,
       s.account_type, s.account_status,
       floor(extract(epoch from s.last_login_at) * 1000)::float8 as last_login_ms,
       floor(extract(epoch from s.last_used_at) * 1000)::float8 as last_used_ms,
       s.department, s.title, s.employment_status,
       floor(extract(epoch from s.terminated_at) * 1000)::float8 as terminated_ms, s.manager_name,
       coalesce(rh.identities, 0)::int as identities_holding,
       coalesce(rh.human_accounts, 0)::int as human_accounts_holding,
       coalesce(rh.service_accounts, 0)::int as service_accounts_holding,
       (self_account.account_id is not null) as account_holds,
       (self_peer.identity_id is not null) as counted_as_peer_holder,
       (s.employment_status is not null and s.employment_status <> 'terminated') as counted_as_staff,
       ds.members::int as department_members, coalesce(dh.holders, 0)::int as department_holders,
       ms.members::int as manager_members, coalesce(mh.holders, 0)::int as manager_holders,
       ts.members::int as title_members, coalesce(th.holders, 0)::int as title_holders
  from subject s
  left join resource_holders rh on rh.resource_id = s.resource_id
  left join holding self_account
         on self_account.resource_id = s.resource_id and self_account.account_id = s.account_id
  left join peer_holder self_peer
         on self_peer.resource_id = s.resource_id and self_peer.identity_id = s.identity_id
  left join department_size ds on ds.department = s.department
  left join department_holders dh on dh.resource_id = s.resource_id and dh.department = s.department
  left join manager_size ms on ms.manager_id = s.manager_id
  left join manager_holders mh on mh.resource_id = s.resource_id and mh.manager_id = s.manager_id
  left join title_size ts on ts.title = s.title
  left join title_holders th on th.resource_id = s.resource_id and th.title = s.title`;

/** One result row. Times are epoch milliseconds and counts are int4, so the driver parses them cheaply. */
interface InsightsRow {
  grant_id: number;
  principal_type: string;
  inherited: boolean;
  sources: { resourceExternalId?: string; resourceName?: string }[] | null;
  first_seen_ms: number | null;
  grant_removed_ms: number | null;
  risk_level: string;
  grants_ownership: boolean;
  has_account: boolean;
  has_identity: boolean;
  account_type: string | null;
  account_status: string | null;
  last_login_ms: number | null;
  last_used_ms: number | null;
  department: string | null;
  title: string | null;
  employment_status: string | null;
  terminated_ms: number | null;
  manager_name: string | null;
  identities_holding: number;
  human_accounts_holding: number;
  service_accounts_holding: number;
  account_holds: boolean;
  counted_as_peer_holder: boolean;
  counted_as_staff: boolean;
  department_members: number | null;
  department_holders: number;
  manager_members: number | null;
  manager_holders: number;
  title_members: number | null;
  title_holders: number;
}

function toDate(epochMs: number | null): Date | undefined {
  return epochMs === null ? undefined : new Date(epochMs);
}

function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}

/** Builds a peer count without the subject, or undefined when the subject has no such peers. */
function peerCount(
  label: string | null,
  members: number | null,
  holders: number,
  row: InsightsRow,
): PeerCount | undefined {
  if (label === null || members === null) return undefined;
  const total = members - (row.counted_as_staff ? 1 : 0);
  if (total <= 0) return undefined;
  const holding = holders - (row.counted_as_peer_holder ? 1 : 0);
  return { label, holding, total };
}

function accountStatusOf(row: InsightsRow): InsightsSnapshot['accountStatus'] {
  if (row.principal_type === 'group' || !row.has_account) return 'group';
  if (row.account_status === 'disabled') return 'disabled';
  if (row.account_type === 'service') return 'service';
  if (!row.has_identity) return 'orphaned';
  return 'active';
}

/** Picks the later of the account's last use and last login, and which of the two it is. */
function lastActivityOf(row: InsightsRow): { at: Date; kind: 'use' | 'login' } | undefined {
  const used = toDate(row.last_used_ms);
  const login = toDate(row.last_login_ms);
  if (used && (!login || used.getTime() >= login.getTime())) return { at: used, kind: 'use' };
  if (login) return { at: login, kind: 'login' };
  return undefined;
}

function snapshotOf(row: InsightsRow, asOf: Date): InsightsSnapshot {
  const isAccount = row.principal_type !== 'group' && row.has_account;
  const activity = isAccount ? lastActivityOf(row) : undefined;
  const firstSeen = toDate(row.first_seen_ms);
  const removed = toDate(row.grant_removed_ms);
  const terminatedAt = toDate(row.terminated_ms);
  const peers: InsightsSnapshot['peers'] = {};
  const department = peerCount(row.department, row.department_members, row.department_holders, row);
  const manager = peerCount(row.manager_name, row.manager_members, row.manager_holders, row);
  const title = peerCount(row.title, row.title_members, row.title_holders, row);
  if (department) peers.department = department;
  if (manager) peers.manager = manager;
  if (title) peers.title = title;

  const humanOthers =
    row.human_accounts_holding - (row.account_holds && row.account_type !== 'service' ? 1 : 0);
  const serviceOthers =
    row.service_accounts_holding - (row.account_holds && row.account_type === 'service' ? 1 : 0);

  const snapshot: InsightsSnapshot = {
    computedAt: asOf.toISOString(),
    identitiesHoldingResource: row.identities_holding,
    peers,
    riskLevel: row.risk_level,
    accountStatus: accountStatusOf(row),
    grantKind: row.inherited ? 'inherited' : 'direct',
    inheritedVia: row.inherited
      ? (row.sources ?? [])
          .map((source) => source.resourceName ?? source.resourceExternalId ?? '')
          .filter(Boolean)
      : [],
    principalType: isAccount ? 'account' : 'group',
    grantsOwnership: row.grants_ownership,
  };
  if (activity) {
    snapshot.lastUsedAt = activity.at.toISOString();
    snapshot.lastActivity = activity.kind;
    snapshot.daysSinceLastUse = daysBetween(activity.at, asOf);
  }
  if (isAccount) {
    snapshot.accountType = row.account_type === 'service' ? 'service' : 'human';
    snapshot.accountDisabled = row.account_status === 'disabled';
    snapshot.orphaned = !row.has_identity && row.account_type !== 'service';
    snapshot.otherHolders = { humanAccounts: humanOthers, serviceAccounts: serviceOthers };
  }
  if (row.employment_status) snapshot.identityStatus = row.employment_status;
  if (terminatedAt) snapshot.identityTerminatedAt = terminatedAt.toISOString();
  if (firstSeen) {
    snapshot.grantFirstSeenAt = firstSeen.toISOString();
    snapshot.grantAgeDays = daysBetween(firstSeen, asOf);
  }
  if (removed) snapshot.grantRemovedAt = removed.toISOString();
  return snapshot;
}

/**
 * Runs the insights statement with JIT compilation off, restoring the previous setting after.
 * With many grants the planner's cost estimate passes `jit_above_cost`, and compiling the plan
 * then took about 1.8 s of a 300,000-grant run (PostgreSQL 15, bench/insights.ts). That cost
 * grows with the set's size and buys nothing for a statement that runs once.
 */
async function queryRows(em: EntityManager, idArray: string): Promise<InsightsRow[]> {
  const run = async (tx: EntityManager) => {
    const connection = tx.getConnection();
    const context = tx.getTransactionContext();
    const [previous] = await connection.execute<{ jit: string }[]>(
      `select current_setting('jit') as jit`,
      [],
      'all',
      context,
    );
    await connection.execute(`select set_config('jit', 'off', true)`, [], 'all', context);
    // One PostgreSQL array literal as a single parameter: knex would expand a JavaScript
    // array into one placeholder per id, and PostgreSQL accepts at most 65,535 of them.
    const rows = await connection.execute<InsightsRow[]>(INSIGHTS_SQL, [idArray], 'all', context);
    await connection.execute(`select set_config('jit', ?, true)`, [previous!.jit], 'all', context);
    return rows;
  };
  return em.isInTransaction() ? run(em) : em.transactional(run);
}

/**
 * Computes the insights and recommendation of each grant in `grantIds` as of `asOf`, with one
 * query whatever the number of grants. Grants that do not exist are missing from the result;
 * grants the latest import no longer contains are included with `grantRemovedAt` set.
 *
 * Inside `em.transactional()`, pass the transaction's entity manager: the query then runs on
 * the transaction's connection.
 *
 * @example
 * const byGrant = await computeInsights(em, [101, 102], loadInsightsConfig(), new Date());
 * const { insights, recommendation } = byGrant.get(101)!;
 */
export async function computeInsights(
  em: EntityManager,
  grantIds: readonly number[],
  config: InsightsConfig = DEFAULT_INSIGHTS_CONFIG,
  asOf: Date = new Date(),
): Promise<Map<number, GrantInsights>> {
  const ids = [...new Set(grantIds)].filter((id) => Number.isSafeInteger(id));
  const result = new Map<number, GrantInsights>();
  if (ids.length === 0) return result;

  const rows = await queryRows(em, `{${ids.join(',')}}`);
  for (const row of rows) {
    const insights = snapshotOf(row, asOf);
    result.set(Number(row.grant_id), { insights, recommendation: recommend(insights, config) });
  }
  return result;
}

let environmentConfig: InsightsConfig | undefined;

/**
 * Recomputes one grant's insights now, with the thresholds from the environment (read once
 * per process). Returns null when the task has no grant or the grant no longer exists.
 */
export async function refreshGrantInsights(
  em: EntityManager,
  grantId: number | null,
): Promise<GrantInsights | null> {
  if (grantId === null) return null;
  environmentConfig ??= loadInsightsConfig();
  const byGrant = await computeInsights(em, [grantId], environmentConfig, new Date());
  return byGrant.get(grantId) ?? null;
}
