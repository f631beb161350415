// Bundled into the benchmark worker's workflow code only: reports each workflow's first
// activation through a sink, so the benchmark can time "first workflow task completed" for
// review tasks and trivial workflows alike. Sinks run after the activation completes and,
// as configured in bench/lib/campaign-worker.ts, never during replay.
import {
  proxySinks,
  workflowInfo,
  type Sinks,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';

export interface BenchSinks extends Sinks {
  bench: { opened(): void };
}

const { bench } = proxySinks<BenchSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        if (!workflowInfo().unsafe.isReplaying) bench.opened();
        return next(input);
      },
    },
  ],
});
