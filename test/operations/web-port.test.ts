import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../runtime/ports.js';
import { recert } from '../support/cli.js';
import { useTestDatabase } from '../support/database.js';
import { uniqueId } from '../support/temporal.js';

const db = useTestDatabase();
let blocker: Server;
let port: number;

beforeAll(async () => {
  blocker = createServer();
  port = await findFreePort();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

describe('recert web', () => {
  it('names the taken port and its variable', async () => {
    const run = await recert(['web'], {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: uniqueId('web-port'),
      RECERT_WEB_PORT: String(port),
      RECERT_SESSION_SECRET: 'a'.repeat(48),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Port ${port} on 127.0.0.1`);
    expect(run.stderr).toContain('RECERT_WEB_PORT');
    expect(run.stderr).not.toContain('Unhandled');
  }, 60_000);
});
