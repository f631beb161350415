import type { EntityManager } from '@mikro-orm/postgresql';
import { containsPattern } from '../../db/search-sql.js';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: 'ok' | 'rejected' | 'failed';
  /** Inclusive dates (YYYY-MM-DD, UTC). */
  from?: string;
  to?: string;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

/** Lists one page of the audit log, newest first, and counts the matching events. */
export async function listAuditEvents(
  em: EntityManager,
  filters: AuditFilters,
  page: number,
): Promise<{ rows: AuditRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filters.actor) {
    where.push('actor ilike ?');
    params.push(containsPattern(filters.actor));
  }
  if (filters.action) {
    where.push('action ilike ?');
    params.push(containsPattern(filters.action));
  }
  if (filters.target) {
    where.push('(target_id ilike ? or target_type ilike ?)');
    params.push(containsPattern(filters.target), containsPattern(filters.target));
  }
  if (filters.outcome) {
    where.push('outcome = ?');
    params.push(filters.outcome);
  }
  if (filters.from) {
    where.push(`at >= ?::date`);
    params.push(filters.from);
  }
  if (filters.to) {
    where.push(`at < ?::date + 1`);
    params.push(filters.to);
  }
  const rows = await em.getConnection().execute<
    {
      id: string | number;
      at: Date;
      actor: string;
      action: string;
      target_type: string | null;
      target_id: string | null;
      outcome: string;
      reason: string | null;
      detail: Record<string, unknown> | null;
      total: string;
    }[]
  >(
    `select id, at, actor, action, target_type, target_id, outcome, reason, detail,
            count(*) over () as total
       from audit_event ${where.length ? `where ${where.join(' and ')}` : ''}
      order by at desc, id desc limit ${AUDIT_PAGE_SIZE} offset ${(page - 1) * AUDIT_PAGE_SIZE}`,
    params,
  );
  return {
    rows: rows.map((row) => ({
      id: Number(row.id),
      at: new Date(row.at),
      actor: row.actor,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      outcome: row.outcome,
      reason: row.reason,
      detail: row.detail,
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/** Display names for `identity:<id>` actors, by actor label. */
export async function actorNames(
  em: EntityManager,
  actors: string[],
): Promise<Map<string, string>> {
  const ids = [
    ...new Set(
      actors
        .map((actor) => /^identity:(\d+)$/.exec(actor)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number),
    ),
  ];
  if (ids.length === 0) return new Map();
  const rows = await em
    .getConnection()
    .execute<{ id: number; display_name: string }[]>(
      'select id, display_name from identity where id in (select jsonb_array_elements_text(?::jsonb)::int)',
      [JSON.stringify(ids)],
    );
  return new Map(rows.map((row) => [`identity:${row.id}`, row.display_name]));
}

export interface SessionRow {
  id: number;
  identityId: number;
  displayName: string;
  email: string | null;
  signInMethod: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/** Sessions still live (not revoked, not idle too long, not past their lifetime). */
export async function listLiveSessions(
  em: EntityManager,
  idleMinutes: number,
  page: number,
  pageSize = 50,
): Promise<{ rows: SessionRow[]; total: number }> {
  const rows = await em.getConnection().execute<
    {
      id: number;
      identity_id: number;
      display_name: string;
      email: string | null;
      sign_in_method: string;
      created_at: Date;
      last_seen_at: Date;
      expires_at: Date;
      ip_address: string | null;
      user_agent: string | null;
      total: string;
    }[]
  >(
    `select s.id, s.identity_id, i.display_name, i.email, s.sign_in_method, s.created_at,
            s.last_seen_at, s.expires_at, s.ip_address, s.user_agent, count(*) over () as total
       from web_session s join identity i on i.id = s.identity_id
      where s.revoked_at is null and s.expires_at > now()
        and s.last_seen_at > now() - make_interval(mins => ?)
      order by s.last_seen_at desc, s.id desc
      limit ${pageSize} offset ${(page - 1) * pageSize}`,
    [idleMinutes],
  );
  return {
    rows: rows.map((row) => ({
      id: row.id,
      identityId: row.identity_id,
      displayName: row.display_name,
      email: row.email,
      signInMethod: row.sign_in_method,
      createdAt: new Date(row.created_at),
      lastSeenAt: new Date(row.last_seen_at),
      expiresAt: new Date(row.expires_at),
      ipAddress: row.ip_address,
      userAgent: row.user_agent,
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}
