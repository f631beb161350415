import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { certifySignal, getTaskQuery } from '../../workflows/messages.js';
import { reviewTaskWorkflow } from '../../workflows/review-task.js';
import { useTestDatabase } from '../support/database.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { eventually, uniqueId } from '../support/temporal.js';

const db = useTestDatabase();
const taskQueue = uniqueId('restart');
let client: Client;
const workers: ChildProcess[] = [];

function startWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../support/worker-process.ts', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: taskQueue,
        DATABASE_URL: db.url,
        WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
  });
}

beforeAll(async () => {
  client = new Client({
    connection: await Connection.connect({ address: inject('temporalAddress') }),
  });
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await client.connection.close();
});

describe('worker restart', () => {
  it('continues a task after the worker is killed', { timeout: 120_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    const first = await startWorker();
    const input = taskInput(org, policy);
    const handle = await client.workflow.start(reviewTaskWorkflow, {
      taskQueue,
      workflowId: input.taskId,
      args: [input],
    });
    await eventually(
      () => handle.query(getTaskQuery),
      (s) => s.assigneeIds.includes(org.ids.manager),
      { what: 'step 1' },
    );

    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Signals are stored by the server while no worker runs.
    await handle.signal(certifySignal, {
      actorId: org.ids.manager,
      comment: 'decided while the worker was down',
    });

    await startWorker();
    const state = await eventually(
      () => handle.query(getTaskQuery),
      (s) => s.stepIndex === 1 && s.assigneeIds.includes(org.ids.appOwner),
      {
        what: 'step 2 after the restart',
        timeoutMs: 60_000,
      },
    );
    expect(state.log.find((e) => e.type === 'certified')?.comment).toBe(
      'decided while the worker was down',
    );
    await handle.signal(certifySignal, { actorId: org.ids.appOwner });
    expect((await handle.result()).status).toBe('certified');
  });
});
