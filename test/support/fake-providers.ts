import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Plays the Resend API (`POST /emails`) and the Slack Web API (`users.lookupByEmail`,
 * `chat.postMessage`) on loopback, so tests drive the real SDKs.
 */
export interface FakeProviders {
  resendUrl: string;
  slackUrl: string;
  requests: RecordedRequest[];
  /** Make the next `count` Resend calls fail with HTTP 500. */
  failResend(count: number): void;
  slackUsers: Map<string, string>;
}

export function useFakeProviders(): FakeProviders {
  const fake: FakeProviders & { server?: Server; resendFailures: number } = {
    resendUrl: '',
    slackUrl: '',
    requests: [],
    resendFailures: 0,
    failResend(count) {
      fake.resendFailures = count;
    },
    slackUsers: new Map(),
  };
  beforeAll(async () => {
    fake.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0]!;
        fake.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (path === '/resend/emails') {
          if (fake.resendFailures > 0) {
            fake.resendFailures -= 1;
            return json(500, {
              name: 'internal_server_error',
              message: 'try again',
              statusCode: 500,
            });
          }
          return json(200, { id: `email-${fake.requests.length}` });
        }
        if (path === '/slack/api/users.lookupByEmail') {
          const email = new URLSearchParams(body).get('email') ?? '';
          const id = fake.slackUsers.get(email);
          return json(
            200,
            id ? { ok: true, user: { id } } : { ok: false, error: 'users_not_found' },
          );
        }
        if (path === '/slack/api/chat.postMessage')
          return json(200, { ok: true, ts: '1700000000.000100' });
        json(404, { error: 'unknown path' });
      });
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    const address = fake.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    fake.resendUrl = `http://127.0.0.1:${port}/resend`;
    fake.slackUrl = `http://127.0.0.1:${port}/slack/api/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.server?.close(() => resolve()) ?? resolve());
  });
  return fake;
}
