// Latency of certify updates on review tasks against updates on a trivial workflow, in one run
// with the same concurrency. Run: node --import tsx bench/updates.ts
import type { WorkflowHandle } from '@temporalio/client';
import { certifyUpdate } from '../workflows/messages.js';
import { reviewTaskWorkflow } from '../workflows/review-task.js';
import { addAndFinishUpdate, addUpdate, smokeWorkflow } from '../workflows/smoke.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../test/support/fixtures.js';
import {
  cpuPerCall,
  cpuUsed,
  machine,
  measure,
  percentile,
  startBenchStack,
  type CpuSeconds,
} from './lib/stack.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
// The series take turns in blocks of this many updates, so a machine that speeds up or slows
// down during the run (a shared VM does) weighs on each series alike.
const BLOCK = Number(process.env.BENCH_BLOCK ?? 200);
// Optional pause after each update, to separate an update's own latency from contention
// with the work earlier updates left behind (projection writes, workflow completions).
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 0);
const think = () =>
  THINK_MS ? new Promise((resolve) => setTimeout(resolve, THINK_MS)) : undefined;
const stack = await startBenchStack();

async function waitForProjection(expected: number) {
  for (;;) {
    const [row] = await stack.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from review_task');
    if (Number(row!.n) >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// A start returns once the server has the workflow, before the worker ran its first task.
// Timing begins only when no workflow has a task or activity in flight, so the first series
// does not share the machine with the starts.
async function waitForIdle(ids: string[]) {
  await measure(ids.length, 16, async (i) => {
    const handle = stack.client.workflow.getHandle(ids[i]!);
    for (;;) {
      const { raw } = await handle.describe();
      if (!raw.pendingWorkflowTask && !raw.pendingActivities?.length) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

// Waits for workflows to finish, so their leftover work (projection writes, completions) is
// counted with the series that caused it and does not slow the next one.
const settle = (ids: string[]) =>
  measure(ids.length, 16, (i) => stack.client.workflow.getHandle(ids[i]!).result());

/** Latencies and CPU of one series, gathered block by block. */
class Series {
  latencies: number[] = [];
  cpu: CpuSeconds = { server: 0, postgres: 0, node: 0 };

  /** Sends one update to each workflow in `ids`, then waits for them to finish if `settles`. */
  async run(
    ids: string[],
    concurrency: number,
    send: (handle: WorkflowHandle) => Promise<unknown>,
    settles = false,
  ) {
    const before = await stack.cpu();
    const call = (i: number) => send(stack.client.workflow.getHandle(ids[i]!));
    this.latencies.push(...(await measure(ids.length, concurrency, call, think)));
    if (settles) await settle(ids);
    const used = cpuUsed(before, await stack.cpu());
    for (const key of ['server', 'postgres', 'node'] as const) this.cpu[key] += used[key];
  }

  line(label: string): string {
    const p = (n: number) => percentile(this.latencies, n).toFixed(1);
    return `${label.padEnd(17)} p50 ${p(50)} ms  p95 ${p(95)} ms\n    ${cpuPerCall(this.cpu, this.latencies.length)}`;
  }
}

try {
  const org = await seedOrganisation(stack.orm);
  const policy = await publishPolicy(stack.orm, {
    steps: [step()],
    revocation: { mode: 'manual' },
  });
  const lines: string[] = [];
  let projected = 0;

  for (const concurrency of (process.env.BENCH_CONCURRENCY ?? '1,16').split(',').map(Number)) {
    // Review tasks start with their first step assigned, as a campaign launch starts them.
    const inputs = Array.from({ length: COUNT }, () =>
      taskInput(org, policy, { firstStepAssigneeIds: [org.ids.manager], firstStepNotified: true }),
    );
    await measure(COUNT, 16, (i) =>
      stack.client.workflow.start(reviewTaskWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: inputs[i]!.taskId,
        args: [inputs[i]!],
      }),
    );
    projected += COUNT;
    await waitForProjection(projected);
    const smokeIds = Array.from({ length: COUNT }, (_, i) => `smoke-${concurrency}-${i}`);
    await measure(COUNT, 16, (i) =>
      stack.client.workflow.start(smokeWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: smokeIds[i]!,
        args: [{ start: 0 }],
      }),
    );
    await waitForIdle([...inputs.map((input) => input.taskId), ...smokeIds]);

    const certify = new Series();
    const trivial = new Series();
    // A certify closes its task, so the like-for-like baseline is an update that also
    // completes its workflow.
    const closing = new Series();
    for (let from = 0; from < COUNT; from += BLOCK) {
      const taskIds = inputs.slice(from, from + BLOCK).map((input) => input.taskId);
      const smoke = smokeIds.slice(from, from + BLOCK);
      // A task's result comes after its last projection write, so settling counts that work.
      await certify.run(
        taskIds,
        concurrency,
        (handle) => handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] }),
        true,
      );
      await trivial.run(smoke, concurrency, (handle) =>
        handle.executeUpdate(addUpdate, { args: [{ amount: 1 }] }),
      );
      await closing.run(
        smoke,
        concurrency,
        (handle) => handle.executeUpdate(addAndFinishUpdate, { args: [{ amount: 1 }] }),
        true,
      );
    }

    const p95 = (series: Series) => percentile(series.latencies, 95);
    lines.push(`concurrency ${concurrency}:`);
    lines.push(`  ${certify.line('certify')}`);
    lines.push(`  ${trivial.line('trivial')}`);
    lines.push(`  ${closing.line('trivial, closing')}`);
    lines.push(`  p95 ratio, certify / trivial: ${(p95(certify) / p95(trivial)).toFixed(2)}`);
    lines.push(
      `  p95 ratio, certify / trivial closing: ${(p95(certify) / p95(closing)).toFixed(2)}`,
    );
  }
  console.log(`machine: ${machine()}`);
  console.log(`${COUNT} updates per series, in blocks of ${BLOCK}`);
  console.log(lines.join('\n'));
} finally {
  await stack.close();
}
