import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { createWebhookConnector, signWebhook } from '../../activities/connectors/webhook.js';
import type { Connector } from '../../activities/connectors/types.js';

/** A revocation receiver on loopback that checks signatures and applies each key once. */
export interface FakeWebhook {
  url: string;
  secret: string;
  /** Every request received, in order. */
  requests: { key: string; signatureValid: boolean; body: Record<string, unknown> }[];
  /** Idempotency keys applied (each at most once). */
  applied: string[];
  /** Make the next `count` requests fail with HTTP 503. */
  failNext(count: number): void;
  /** Make every request fail with this status from now on (0 turns it off). */
  failAlways(status: number): void;
  /** Delay every answer by this many milliseconds (0 turns it off). */
  delayMs: number;
}

/** Builds the webhook connector `name` that sends to `hook`, allowed to reach loopback only. */
export function connectorFor(hook: FakeWebhook, name = 'hook'): Connector {
  return createWebhookConnector({
    name,
    url: hook.url,
    secret: hook.secret,
    allowlist: ['127.0.0.1'],
  });
}

export function useFakeWebhook(): FakeWebhook {
  const hook: FakeWebhook & { server?: Server; failures: number; alwaysStatus: number } = {
    url: '',
    secret: 'test-webhook-secret',
    requests: [],
    applied: [],
    failures: 0,
    alwaysStatus: 0,
    failNext(count) {
      hook.failures = count;
    },
    failAlways(status) {
      hook.alwaysStatus = status;
    },
    delayMs: 0,
  };
  beforeAll(async () => {
    hook.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const key = String(req.headers['idempotency-key'] ?? '');
        const timestamp = String(req.headers['x-recert-timestamp'] ?? '');
        const signatureValid =
          req.headers['x-recert-signature'] === signWebhook(hook.secret, timestamp, body);
        hook.requests.push({
          key,
          signatureValid,
          body: JSON.parse(body || '{}') as Record<string, unknown>,
        });
        if (!signatureValid) return void res.writeHead(401).end();
        if (hook.alwaysStatus) return void res.writeHead(hook.alwaysStatus).end();
        if (hook.failures > 0) {
          hook.failures -= 1;
          return void res.writeHead(503).end();
        }
        setTimeout(() => {
          if (!hook.applied.includes(key)) hook.applied.push(key);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        }, hook.delayMs);
      });
    });
    await new Promise<void>((resolve) => hook.server!.listen(0, '127.0.0.1', resolve));
    const address = hook.server.address();
    hook.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/revoke`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => hook.server?.close(() => resolve()) ?? resolve());
  });
  return hook;
}
