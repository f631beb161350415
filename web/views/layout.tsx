import type { Child } from 'hono/jsx';

/** The page frame: self-hosted htmx and stylesheet, CSRF token for htmx requests. */
export function Layout(props: {
  title: string;
  csrfToken?: string;
  nav?: Child;
  children?: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.csrfToken ? <meta name="csrf-token" content={props.csrfToken} /> : null}
        <title>{`${props.title} · Recert`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <strong>Recert</strong>
          {props.nav}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
