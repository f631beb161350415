import { Worker } from '@temporalio/worker';
import { describe, expect, it, inject } from 'vitest';
import { replaySinks } from '../activities/closed-task-sink.js';
import { loadHistories } from './support/histories.js';

describe('recorded histories', () => {
  it('replay against the current workflow code', async () => {
    const histories = await loadHistories();
    expect(histories.length).toBeGreaterThan(0);
    for (const { name, workflowId, history } of histories) {
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: replaySinks },
          history,
          workflowId,
        ),
        `replaying ${name}`,
      ).resolves.toBeUndefined();
    }
  });
});
