import { PermanentConnectorError } from './types.js';

/**
 * Checks a connector URL against the allowlist. Entries are hostnames (`scim.example.com`),
 * `host:port`, or a leading-dot suffix (`.example.com`) that matches subdomains.
 */
export function assertAllowed(url: URL, allowlist: string[]): void {
  const host = url.hostname.toLowerCase();
  const hostPort = `${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  const allowed = allowlist.some((entry) => {
    const rule = entry.toLowerCase();
    if (rule.startsWith('.')) return host.endsWith(rule);
    return rule === host || rule === hostPort;
  });
  if (!allowed) {
    throw new PermanentConnectorError(
      `Connector target ${url.host} is not on the connector allowlist; add it to "allowlist" in the connector configuration.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentConnectorError(`Connector target ${url.href} must use http or https.`);
  }
}

/**
 * fetch() that never follows redirects: a redirect could move a revocation or its credentials
 * to another host, so a 3xx answer is an error naming the location.
 */
export async function fetchWithoutRedirects(
  url: URL,
  init: RequestInit,
  allowlist: string[],
): Promise<Response> {
  assertAllowed(url, allowlist);
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status >= 300 && response.status < 400) {
    throw new PermanentConnectorError(
      `Connector target ${url.host} answered ${response.status} with a redirect to ${response.headers.get('location') ?? '(none)'}; redirects are not followed.`,
    );
  }
  return response;
}
