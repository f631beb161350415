// How many trivial workflow starts, signals and updates per second this machine's Temporal dev
// server takes, with the worker in this process. Run: node --import tsx bench/temporal-baseline.ts
import { addUpdate, finishSignal, incrementSignal, smokeWorkflow } from '../workflows/smoke.js';
import { machine, measure, startBenchStack } from './lib/stack.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const stack = await startBenchStack({ runWorker: true });
try {
  const ids = Array.from({ length: COUNT }, (_, i) => `baseline-${i}`);
  const rate = (ms: number) => Math.round((COUNT / ms) * 1000);

  let started = performance.now();
  await measure(COUNT, CONCURRENCY, (i) =>
    stack.client.workflow.start(smokeWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ids[i]!,
      args: [{ start: 0 }],
    }),
  );
  const startMs = performance.now() - started;

  started = performance.now();
  await measure(COUNT, CONCURRENCY, (i) =>
    stack.client.workflow.getHandle(ids[i]!).signal(incrementSignal, { by: 1 }),
  );
  const signalMs = performance.now() - started;

  started = performance.now();
  await measure(COUNT, CONCURRENCY, (i) =>
    stack.client.workflow.getHandle(ids[i]!).executeUpdate(addUpdate, { args: [{ amount: 1 }] }),
  );
  const updateMs = performance.now() - started;

  await measure(COUNT, CONCURRENCY, (i) =>
    stack.client.workflow.getHandle(ids[i]!).signal(finishSignal),
  );

  console.log(`machine: ${machine()}`);
  console.log(`${COUNT} each, concurrency ${CONCURRENCY}`);
  console.log(`starts/s:  ${rate(startMs)}`);
  console.log(`signals/s: ${rate(signalMs)}`);
  console.log(`updates/s: ${rate(updateMs)}`);
} finally {
  await stack.close();
}
