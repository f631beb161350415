import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../deps.js';
import { field, readForm } from '../forms.js';
import { cookieOptions } from './session.js';
import { newToken, sameSecret } from './tokens.js';

/** Form field that carries the CSRF token; htmx requests send the `x-csrf-token` header. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Before sign-in there is no session, so login forms use a double-submit cookie instead. */
export const LOGIN_CSRF_COOKIE = 'recert_login_csrf';

const SAFE_METHODS = /^(GET|HEAD|OPTIONS)$/;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The token a form on this page must carry: the session's, or before sign-in the login
 * cookie's, which is set here when the browser has none yet.
 */
export function formCsrfToken(c: Context<AppEnv>): string {
  const user = c.get('user');
  if (user) return user.csrfToken;
  let token = c.get('loginCsrfToken') ?? getCookie(c, LOGIN_CSRF_COOKIE);
  if (!token || !TOKEN_SHAPE.test(token)) {
    token = newToken();
    setCookie(c, LOGIN_CSRF_COOKIE, token, cookieOptions(c.get('deps')));
  }
  // A page reads the token more than once (form and layout), and every copy must match the cookie.
  c.set('loginCsrfToken', token);
  return token;
}

/**
 * Rejects state-changing requests from other sites: Hono's `csrf()` checks the Origin (or
 * Sec-Fetch-Site) header, then the request must carry the session's token (or, signed out,
 * the login cookie's) in the `_csrf` field or the `x-csrf-token` header.
 */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  const originCheck = csrf({
    origin: (origin, c) =>
      origin === new URL(c.req.url).origin ||
      origin === new URL((c as Context<AppEnv>).get('deps').config.publicUrl).origin,
  });
  return async function csrfProtection(c, next) {
    if (SAFE_METHODS.test(c.req.method)) return next();
    await originCheck(c, async () => undefined);

    const expected = c.get('user')?.csrfToken ?? getCookie(c, LOGIN_CSRF_COOKIE);
    const submitted = c.req.header(CSRF_HEADER) ?? field(await readForm(c), CSRF_FIELD);
    if (!expected || !submitted || !sameSecret(expected, submitted)) {
      throw new HTTPException(403, {
        message:
          'The form is missing its security token or it expired. Reload the page and try again.',
      });
    }
    await next();
  };
}
