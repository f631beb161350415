import type { Child } from 'hono/jsx';
import type { CurrentUser } from '../auth/session.js';
import { CsrfField } from './components.js';
import { MainNav } from './nav.js';

// htmx settings. Responses with 409, 422 and 503 are swapped in, so a rejected action shows
// its reason in place. htmx must not inject an inline <style>, copy style attributes while
// settling or evaluate code, because the CSP forbids all three. Attribute inheritance is off,
// so each element names its own target.
const htmxConfig = JSON.stringify({
  disableInheritance: true,
  includeIndicatorStyles: false,
  attributesToSettle: ['class', 'width', 'height'],
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '409|422|503', swap: true, error: false },
    { code: '[45]..', swap: false, error: true },
  ],
});

/**
 * The page frame: self-hosted htmx and stylesheet, the CSRF token for htmx requests, a skip
 * link, the main navigation for signed-in users and a live region for request errors.
 */
export function Layout(props: {
  title: string;
  user?: CurrentUser;
  devMode?: boolean;
  /** The request path, to mark the current navigation link. */
  path?: string;
  csrfToken?: string;
  children?: Child;
}) {
  const csrfToken = props.csrfToken ?? props.user?.csrfToken;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {csrfToken ? <meta name="csrf-token" content={csrfToken} /> : null}
        <meta name="htmx-config" content={htmxConfig} />
        <title>{`${props.title} · Recert`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="top">
          <a class="brand" href="/reviews">
            Recert
          </a>
          {props.user ? (
            <>
              <MainNav user={props.user} devMode={props.devMode ?? false} path={props.path ?? ''} />
              <form class="sign-out" method="post" action="/logout">
                <CsrfField token={props.user.csrfToken} />
                <span class="muted">{props.user.displayName}</span>{' '}
                <button type="submit">Sign out</button>
              </form>
            </>
          ) : null}
        </header>
        <div id="flash" class="flash" role="alert" aria-live="assertive"></div>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}
