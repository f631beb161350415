import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);

// Read once at start-up: htmx comes from node_modules (never a CDN) and the stylesheet from
// this folder, so the CSP can allow scripts from 'self' only.
const htmx = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');
const css = readFileSync(new URL('./static/app.css', import.meta.url), 'utf8');
const appScript = readFileSync(new URL('./static/app.js', import.meta.url), 'utf8');

const cacheControl = 'public, max-age=3600';

/** Serves the self-hosted scripts and stylesheet. */
export const staticAssets = new Hono()
  .get('/htmx.min.js', (c) =>
    c.body(htmx, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': cacheControl,
    }),
  )
  .get('/app.js', (c) =>
    c.body(appScript, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': cacheControl,
    }),
  )
  .get('/app.css', (c) =>
    c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': cacheControl }),
  );
