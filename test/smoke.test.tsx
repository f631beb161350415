import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { logger } from '../runtime/logger.js';
import { loadTemporalConfig } from '../temporal.config.js';
import { createApp } from '../web/app.js';
import {
  addUpdate,
  finishSignal,
  getStateQuery,
  incrementSignal,
  smokeWorkflow,
} from '../workflows/smoke.js';
import { useTestDatabase } from './support/database.js';
import { recordHistory } from './support/histories.js';
import { uniqueId, useTemporalWorker } from './support/temporal.js';

describe('stack smoke path', () => {
  const db = useTestDatabase();
  const temporal = useTemporalWorker(() => ({
    activities: createActivities({ orm: db.orm, log: logger }),
  }));

  it('runs signal, query and update through the real server', async () => {
    const handle = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('smoke'),
      args: [{ start: 1 }],
    });

    await handle.signal(incrementSignal, { by: 2 });
    const afterUpdate = await handle.executeUpdate(addUpdate, { args: [{ amount: 4 }] });
    expect(afterUpdate.count).toBe(7);
    expect(await handle.query(getStateQuery)).toEqual({ count: 7, finished: false });

    await handle.signal(finishSignal);
    expect(await handle.result()).toEqual({ count: 7, finished: true });
  });

  it('rejects an invalid update in the validator', async () => {
    const handle = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('smoke'),
      args: [{ start: 0 }],
    });
    const rejected = handle.executeUpdate(addUpdate, { args: [{ amount: -1 }] });
    await expect(rejected).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(rejected).rejects.toMatchObject({
      cause: { message: expect.stringContaining('positive whole number') },
    });
    expect((await handle.query(getStateQuery)).count).toBe(0);
    await handle.signal(finishSignal);
    await handle.result();
  });

  it('renders workflow state on a web route', async () => {
    const workflowId = 'smoke-history';
    const handle = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId(workflowId),
      args: [{ start: 41 }],
    });
    await handle.signal(incrementSignal, { by: 1 });
    await handle.executeUpdate(addUpdate, { args: [{ amount: 1 }] });

    const app = createApp({
      orm: db.orm,
      temporal: temporal.client,
      temporalConfig: loadTemporalConfig({}),
      log: logger,
      devMode: true,
    });
    const response = await app.request(`/dev/smoke/${handle.workflowId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('<output id="count">43</output>');

    await handle.signal(finishSignal);
    await handle.result();
    await recordHistory(handle, workflowId);
  });

  it('runs activities against the test database', async () => {
    const activities = createActivities({ orm: db.orm, log: logger });
    const now = new Date(await activities.databaseTime());
    expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(60_000);
  });
});
