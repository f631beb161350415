import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { Role } from '../../db/role-repository.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { hashToken, newToken } from './tokens.js';

export const SESSION_COOKIE = 'recert_session';

/** However active a session is, it ends this long after sign-in. */
const ABSOLUTE_LIFETIME_HOURS = 12;
/**
 * `last_seen_at` is written at most once per interval, so pages do not write on every request;
 * idle expiry is therefore accurate to about this interval.
 */
const TOUCH_INTERVAL_MS = 60_000;

/** The signed-in identity of a request, with its roles and session. */
export interface CurrentUser {
  identityId: number;
  email: string | null;
  displayName: string;
  /** Administrative roles; every signed-in identity is also a reviewer. */
  roles: Role[];
  sessionId: number;
  /** The session's CSRF token, sent back in forms and in the `x-csrf-token` header. */
  csrfToken: string;
}

/** Whether the user holds `role`; super admins hold every role. */
export function hasRole(user: CurrentUser | undefined, role: Role): boolean {
  if (!user) return false;
  return user.roles.includes('super_admin') || user.roles.includes(role);
}

/** The audit log's name for a signed-in user. */
export function actorLabel(user: CurrentUser): string {
  return `identity:${user.identityId}`;
}

/** Cookie attributes shared by every Recert cookie: HttpOnly, SameSite=Lax, Secure on https. */
export function cookieOptions(deps: AppDeps, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: deps.config.publicUrl.startsWith('https:'),
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/** Stores a new session for an identity and returns the token for its cookie. */
export async function createSession(
  em: EntityManager,
  input: {
    identityId: number;
    method: 'magic_link' | 'dev';
    ipAddress?: string;
    userAgent?: string;
  },
): Promise<{ token: string; sessionId: number }> {
  const token = newToken();
  const [row] = await em.getConnection().execute<{ id: number }[]>(
    `insert into web_session (token_hash, identity_id, csrf_token, sign_in_method, expires_at, ip_address, user_agent)
     values (?, ?, ?, ?, now() + make_interval(hours => ?), ?, ?) returning id`,
    [
      hashToken(token),
      input.identityId,
      newToken(),
      input.method,
      ABSOLUTE_LIFETIME_HOURS,
      input.ipAddress?.slice(0, 100) ?? null,
      input.userAgent?.slice(0, 400) ?? null,
    ],
  );
  return { token, sessionId: row!.id };
}

/** Sets the signed session cookie; the browser drops it when the session's lifetime ends. */
export async function setSessionCookie(c: Context<AppEnv>, token: string): Promise<void> {
  const deps = c.get('deps');
  await setSignedCookie(
    c,
    SESSION_COOKIE,
    token,
    deps.config.sessionSecret,
    cookieOptions(deps, ABSOLUTE_LIFETIME_HOURS * 3600),
  );
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

/** Ends a session; returns false when it was already ended. */
export async function revokeSession(
  em: EntityManager,
  sessionId: number,
  revokedBy: string,
): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ id: number }[]>(
      'update web_session set revoked_at = now(), revoked_by = ? where id = ? and revoked_at is null returning id',
      [revokedBy, sessionId],
    );
  return rows.length > 0;
}

interface SessionRow {
  id: number;
  identity_id: number;
  csrf_token: string;
  last_seen_at: Date;
  email: string | null;
  display_name: string;
  roles: Role[];
}

/**
 * Reads the session cookie and, when it names a live session (not revoked, not idle for longer
 * than RECERT_SESSION_IDLE_MINUTES, not past its absolute lifetime, identity not terminated),
 * sets `user`. A bad signature or dead session leaves the request signed out.
 */
export function sessionMiddleware(): MiddlewareHandler<AppEnv> {
  return async function session(c, next) {
    const deps = c.get('deps');
    const token = await getSignedCookie(c, deps.config.sessionSecret, SESSION_COOKIE);
    if (token) {
      const connection = deps.orm.em.fork().getConnection();
      const [row] = await connection.execute<SessionRow[]>(
        `select s.id, s.identity_id, s.csrf_token, s.last_seen_at, i.email, i.display_name,
                array(select r.role from role_assignment r where r.identity_id = i.id order by r.role) as roles
           from web_session s join identity i on i.id = s.identity_id
          where s.token_hash = ? and s.revoked_at is null and s.expires_at > now()
            and s.last_seen_at > now() - make_interval(mins => ?)
            and i.employment_status <> 'terminated'`,
        [hashToken(token), deps.config.sessionIdleMinutes],
      );
      if (row) {
        c.set('user', toUser(row, deps));
        if (Date.now() - new Date(row.last_seen_at).getTime() > TOUCH_INTERVAL_MS) {
          await connection.execute('update web_session set last_seen_at = now() where id = ?', [
            row.id,
          ]);
        }
      }
    }
    await next();
  };
}

function toUser(row: SessionRow, deps: AppDeps): CurrentUser {
  const roles = new Set<Role>(row.roles);
  const email = row.email?.toLowerCase();
  if (email && deps.config.superAdminEmails.includes(email)) roles.add('super_admin');
  if (email && deps.config.campaignAdminEmails.includes(email)) roles.add('campaign_admin');
  return {
    identityId: row.identity_id,
    email: row.email,
    displayName: row.display_name,
    roles: [...roles].sort(),
    sessionId: row.id,
    csrfToken: row.csrf_token,
  };
}
