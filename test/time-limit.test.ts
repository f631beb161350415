import { describe, expect, it } from 'vitest';
import { withTimeLimit } from '../runtime/time-limit.js';
import { getStateQuery, smokeWorkflow } from '../workflows/smoke.js';
import { uniqueId, useTemporalWorker } from './support/temporal.js';

describe('withTimeLimit', () => {
  const temporal = useTemporalWorker(() => ({}));

  it('cancels a query that no worker answers', async () => {
    // No worker polls this queue, so the query waits until it is cancelled.
    const handle = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: uniqueId('no-worker'),
      workflowId: uniqueId('unanswered'),
      args: [{ start: 0 }],
    });
    const started = Date.now();
    await expect(
      withTimeLimit(temporal.client, 300, 'The query', () => handle.query(getStateQuery)),
    ).rejects.toThrow('The query timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    await handle.terminate('test finished');
  });

  it('returns the result of a call that finishes in time', async () => {
    const handle = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('answered'),
      args: [{ start: 7 }],
    });
    const state = await withTimeLimit(temporal.client, 10_000, 'The query', () =>
      handle.query(getStateQuery),
    );
    expect(state.count).toBe(7);
    await handle.terminate('test finished');
  });
});
