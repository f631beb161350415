import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Role } from '../../db/role-repository.js';
import type { AppEnv } from '../deps.js';
import { hasRole, type CurrentUser } from './session.js';

/** A local path to return to after sign-in; anything else becomes /reviews. */
export function safeNextPath(next: string | undefined | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return '/reviews';
  }
  return next;
}

function signInRedirect(c: Context<AppEnv>) {
  const url = new URL(c.req.url);
  const next = `${url.pathname}${url.search}`;
  const location = `/login?next=${encodeURIComponent(next)}`;
  // htmx follows HX-Redirect with a full page load; a plain 302 would be swapped into the page.
  if (c.req.header('hx-request') === 'true') {
    return c.body(null, 401, { 'HX-Redirect': location });
  }
  if (c.req.method === 'GET') return c.redirect(location, 302);
  return c.text('Sign in first: your session ended or was revoked.', 401);
}

/**
 * Lets only signed-in requests through; others are sent to the sign-in page. Handlers behind
 * it read the user with `signedIn(c)`.
 *
 * @example
 * const routes = new Hono<AppEnv>().use(requireUser()).get('/', (c) => c.text(signedIn(c).displayName));
 */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async function requireUser(c, next) {
    if (!c.get('user')) return signInRedirect(c);
    await next();
  };
}

/** Returns the signed-in user of a request that passed `requireUser()`. */
export function signedIn(c: Context<AppEnv>): CurrentUser {
  const user = c.get('user');
  if (!user) throw new HTTPException(401, { message: 'Sign in first.' });
  return user;
}

/**
 * Lets through signed-in users holding any of `roles` (super admins hold every role); others
 * get 403. Apply after `requireUser()`. The check looks at the role alone, never at ids in the
 * URL, so a 403 never reveals whether a task exists.
 *
 * @example
 * adminRoutes.use('*', requireUser(), requireRole('super_admin'));
 */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async function requireRole(c, next) {
    const user = c.get('user');
    if (!user) return signInRedirect(c);
    if (!roles.some((role) => hasRole(user, role))) {
      throw new HTTPException(403, {
        message: `This page is for ${roles.map((role) => role.replace('_', ' ')).join(' or ')}s only.`,
      });
    }
    await next();
  };
}
