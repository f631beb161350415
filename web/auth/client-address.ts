import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The TCP peer's address, or `unknown` when the request did not come through the Node server
 * (as with `app.request()` in tests).
 */
// NOTE: behind a reverse proxy this is the proxy's address; X-Forwarded-For is not trusted.
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
