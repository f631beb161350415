import type { EntityManager } from '@mikro-orm/postgresql';
import type { TaskLogEntry } from '../../workflows/task-state.js';
import type { TaskView } from './task-access.js';
import { containsPattern } from '../../db/search-sql.js';

/** A person named on a task page. */
export interface IdentityName {
  displayName: string;
  email: string | null;
}

/** Collects every identity id a task page mentions: assignees, actors and ids in log entries. */
function mentionedIds(view: TaskView, extra: number[]): number[] {
  const ids = new Set<number>([...view.assigneeIds, ...extra]);
  const add = (entry: TaskLogEntry) => {
    if (entry.actorId !== null) ids.add(entry.actorId);
    for (const value of Object.values(entry.data ?? {})) {
      if (Array.isArray(value)) for (const id of value) if (typeof id === 'number') ids.add(id);
    }
  };
  view.log.forEach(add);
  return [...ids];
}

/** Names of the identities a task page mentions, by id. */
export async function identityNames(
  em: EntityManager,
  view: TaskView,
  extra: number[] = [],
): Promise<Map<number, IdentityName>> {
  const ids = mentionedIds(view, extra);
  if (ids.length === 0) return new Map();
  const rows = await em
    .getConnection()
    .execute<{ id: number; display_name: string; email: string | null }[]>(
      `select id, display_name, email from identity
        where id in (select jsonb_array_elements_text(?::jsonb)::int)`,
      [JSON.stringify(ids)],
    );
  return new Map(rows.map((row) => [row.id, { displayName: row.display_name, email: row.email }]));
}

/** Facts the imported data contains about a grant, shown when the task carries no insights. */
export interface GrantFacts {
  accountStatus: string | null;
  accountType: string | null;
  accountLogin: string | null;
  lastLoginAt: Date | null;
  lastUsedAt: Date | null;
  employmentStatus: string | null;
  department: string | null;
  title: string | null;
  managerName: string | null;
  resourceDescription: string | null;
  grantFirstSeenAt: Date | null;
  identitiesHoldingResource: number | null;
}

export async function grantFacts(em: EntityManager, view: TaskView): Promise<GrantFacts> {
  const s = view.subject;
  const [row] = await em.getConnection().execute<
    {
      account_status: string | null;
      account_type: string | null;
      account_login: string | null;
      last_login_at: Date | null;
      last_used_at: Date | null;
      employment_status: string | null;
      department: string | null;
      title: string | null;
      manager_name: string | null;
      resource_description: string | null;
      grant_first_seen_at: Date | null;
      identities_holding: string | null;
    }[]
  >(
    `select acc.status as account_status, acc.account_type, acc.login as account_login,
            acc.last_login_at, acc.last_used_at, i.employment_status, i.department, i.title,
            m.display_name as manager_name, r.description as resource_description,
            g.first_seen_at as grant_first_seen_at,
            (select count(distinct a2.identity_id) from "grant" g2 join account a2 on a2.id = g2.account_id
              where g2.resource_id = r.id and g2.removed_at is null) as identities_holding
       from (select 1) as one
       left join account acc on acc.id = ?
       left join identity i on i.id = ?
       left join identity m on m.id = i.manager_id
       left join resource r on r.id = ?
       left join "grant" g on g.id = ?`,
    [s.accountId, s.subjectIdentityId, s.resourceId, s.grantId],
  );
  return {
    accountStatus: row?.account_status ?? null,
    accountType: row?.account_type ?? null,
    accountLogin: row?.account_login ?? null,
    lastLoginAt: row?.last_login_at ?? null,
    lastUsedAt: row?.last_used_at ?? null,
    employmentStatus: row?.employment_status ?? null,
    department: row?.department ?? null,
    title: row?.title ?? null,
    managerName: row?.manager_name ?? null,
    resourceDescription: row?.resource_description ?? null,
    grantFirstSeenAt: row?.grant_first_seen_at ?? null,
    identitiesHoldingResource:
      row?.identities_holding === null || row?.identities_holding === undefined
        ? null
        : Number(row.identities_holding),
  };
}

/** Published policy names and their latest versions, for the change-policy form. */
export async function publishedPolicies(
  em: EntityManager,
): Promise<{ name: string; version: number }[]> {
  return em
    .getConnection()
    .execute<{ name: string; version: number }[]>(
      'select name, max(version) as version from policy group by name order by name',
    );
}

/** Active identities matching a name or email fragment, for the reassign search. */
export async function searchIdentities(
  em: EntityManager,
  query: string,
  limit = 20,
): Promise<{ id: number; displayName: string; email: string | null; department: string | null }[]> {
  const text = query.trim();
  if (text.length < 2) return [];
  const pattern = containsPattern(text);
  const rows = await em
    .getConnection()
    .execute<
      { id: number; display_name: string; email: string | null; department: string | null }[]
    >(
      `select id, display_name, email, department from identity
      where employment_status <> 'terminated' and (display_name ilike ? or email ilike ?)
      order by display_name, id limit ?`,
      [pattern, pattern, limit],
    );
  return rows.map((row) => ({
    id: row.id,
    displayName: row.display_name,
    email: row.email,
    department: row.department,
  }));
}
