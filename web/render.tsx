import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formCsrfToken } from './auth/csrf.js';
import type { AppEnv } from './deps.js';
import { Layout } from './views/layout.js';

/** True for htmx requests that swap part of a page (not boosted full-page navigations). */
export function isFragmentRequest(c: Context): boolean {
  return c.req.header('hx-request') === 'true' && c.req.header('hx-boosted') !== 'true';
}

/**
 * Responds with `body` alone to an htmx request and wrapped in the page layout otherwise, so
 * one component serves both the full page and the fragment.
 */
export function page(
  c: Context<AppEnv>,
  title: string,
  body: Child,
  status: ContentfulStatusCode = 200,
) {
  if (isFragmentRequest(c)) return c.html(<>{body}</>, status);
  return c.html(
    <Layout
      title={title}
      user={c.get('user')}
      devMode={c.get('deps').devMode}
      path={c.req.path}
      csrfToken={formCsrfToken(c)}
    >
      {body}
    </Layout>,
    status,
  );
}
