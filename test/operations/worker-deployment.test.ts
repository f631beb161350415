import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findPortOutsideEphemeralRange } from '../../runtime/ports.js';
import { getTaskQuery, removeSignal } from '../../workflows/messages.js';
import { reviewTaskWorkflow } from '../../workflows/review-task.js';
import { useTestDatabase } from '../support/database.js';
import { useFakeWebhook } from '../support/fake-webhook.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { eventually, uniqueId } from '../support/temporal.js';

const db = useTestDatabase();
const webhook = useFakeWebhook();
const taskQueue = uniqueId('deploy');
const children: ChildProcess[] = [];
let client: Client;
let env: NodeJS.ProcessEnv;

function startWorker(healthPort?: number) {
  const args = [
    '--import',
    'tsx',
    'cli/recert.ts',
    'worker',
    ...(healthPort ? ['--health-port', String(healthPort)] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function health(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recert-deploy-'));
  const connectors = join(dir, 'connectors.yaml');
  await writeFile(
    connectors,
    `allowlist: ["127.0.0.1"]\nconnectors:\n  hook:\n    type: webhook\n    url: ${webhook.url}\n    secretEnv: TEST_HOOK_SECRET\n`,
  );
  env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    RECERT_CONNECTORS: connectors,
    TEST_HOOK_SECRET: webhook.secret,
    LOG_LEVEL: 'warn',
  };
  client = new Client({
    connection: await Connection.connect({ address: inject('temporalAddress') }),
  });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await client.connection.close();
});

describe('recert worker', () => {
  it('drains on SIGTERM, finishing the activity in flight', { timeout: 180_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step()],
      revocation: { mode: 'automatic', connector: 'hook' },
    });
    const healthPort = await findPortOutsideEphemeralRange();
    const first = startWorker(healthPort);
    await eventually(
      () => health(healthPort),
      (status) => status === 200,
      { what: 'the worker to report healthy', timeoutMs: 60_000 },
    );

    const input = taskInput(org, policy, {
      revocationRetry: { initialIntervalMs: 100, maximumAttempts: 5 },
    });
    const handle = await client.workflow.start(reviewTaskWorkflow, {
      taskQueue,
      workflowId: input.taskId,
      args: [input],
    });
    await eventually(
      () => handle.query(getTaskQuery),
      (s) => s.assigneeIds.length > 0,
      { what: 'assignment' },
    );

    // The connector answers slowly, so the revocation activity is in flight when SIGTERM comes.
    webhook.delayMs = 3_000;
    await handle.signal(removeSignal, { actorId: org.ids.manager, comment: 'left the company' });
    await eventually(
      async () => webhook.requests.filter((r) => r.key === `revoke:${input.taskId}`).length,
      (n) => n === 1,
      {
        what: 'the revocation call',
      },
    );
    first.kill('SIGTERM');
    await eventually(
      () => health(healthPort),
      (status) => status !== 200,
      { what: 'the health check to stop answering 200', timeoutMs: 10_000, intervalMs: 50 },
    );
    const exitCode = await new Promise<number | null>((resolve) => first.once('exit', resolve));
    expect(exitCode).toBe(0);
    expect(webhook.applied).toContain(`revoke:${input.taskId}`);

    webhook.delayMs = 0;
    startWorker();
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    // The in-flight call finished before the worker exited, so it was not sent again.
    expect(webhook.requests.filter((r) => r.key === `revoke:${input.taskId}`)).toHaveLength(1);
  });
});
