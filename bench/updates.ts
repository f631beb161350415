// Latency of certify updates on review tasks against updates on a trivial workflow, in one run
// with the same concurrency. Run: node --import tsx bench/updates.ts
import { certifyUpdate } from '../workflows/messages.js';
import { reviewTaskWorkflow } from '../workflows/review-task.js';
import { addAndFinishUpdate, addUpdate, smokeWorkflow } from '../workflows/smoke.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../test/support/fixtures.js';
import { machine, measure, percentile, startBenchStack } from './lib/stack.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
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

    // Each series waits for the previous one's workflows to finish, so their leftover work
    // (projection writes, completions) does not slow the next series.
    const settle = (ids: string[]) =>
      measure(ids.length, 16, (i) => stack.client.workflow.getHandle(ids[i]!).result());
    const review = await measure(
      COUNT,
      concurrency,
      (i) =>
        stack.client.workflow
          .getHandle(inputs[i]!.taskId)
          .executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] }),
      think,
    );
    await settle(inputs.map((input) => input.taskId));
    const trivial = await measure(
      COUNT,
      concurrency,
      (i) =>
        stack.client.workflow
          .getHandle(smokeIds[i]!)
          .executeUpdate(addUpdate, { args: [{ amount: 1 }] }),
      think,
    );
    // A certify closes its task, so the like-for-like baseline is an update that also
    // completes its workflow.
    const closing = await measure(
      COUNT,
      concurrency,
      (i) =>
        stack.client.workflow
          .getHandle(smokeIds[i]!)
          .executeUpdate(addAndFinishUpdate, { args: [{ amount: 1 }] }),
      think,
    );
    await settle(smokeIds);

    const p95 = (values: number[]) => percentile(values, 95);
    const row = (label: string, values: number[]) =>
      `${label.padEnd(17)} p50 ${percentile(values, 50).toFixed(1)} ms  p95 ${p95(values).toFixed(1)} ms`;
    lines.push(`concurrency ${concurrency}:`);
    lines.push(`  ${row('certify', review)}`);
    lines.push(`  ${row('trivial', trivial)}`);
    lines.push(`  ${row('trivial, closing', closing)}`);
    lines.push(`  p95 ratio, certify / trivial: ${(p95(review) / p95(trivial)).toFixed(2)}`);
    lines.push(
      `  p95 ratio, certify / trivial closing: ${(p95(review) / p95(closing)).toFixed(2)}`,
    );
  }
  console.log(`machine: ${machine()}`);
  console.log(`${COUNT} updates per series`);
  console.log(lines.join('\n'));
} finally {
  await stack.close();
}
