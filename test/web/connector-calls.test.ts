import { describe, expect, it } from 'vitest';
import { publishPolicy, step } from '../support/fixtures.js';
import { connectorFor, useFakeWebhook } from '../support/fake-webhook.js';
import { eventually } from '../support/temporal.js';
import { useWebHarness } from './support.js';

const webhook = useFakeWebhook();
const web = useWebHarness({ connectors: () => [connectorFor(webhook)] });

describe('connector calls on the task page', () => {
  it('lists each attempt with its result', async () => {
    const org = await web.seed();
    const policy = await publishPolicy(web.db.orm, {
      steps: [step()],
      revocation: { mode: 'automatic', connector: 'hook' },
    });
    const { taskId, handle } = await web.startTask(org, policy);
    webhook.failNext(1);
    const manager = await web.signInAs(org.ids.manager);
    await manager.post(`/tasks/${taskId}/decide`, { decision: 'remove' }, { htmx: true });
    expect((await handle.result()).revocation?.status).toBe('revoked');

    const page = await eventually(
      () => manager.page(`/tasks/${taskId}`),
      (result) => result.html.includes('Connector calls ('),
      { what: 'the connector calls on the page' },
    );
    expect(page.html).toContain('failed, retried');
    expect(page.html).toContain('responded 503');
    expect(page.html).toContain('<td>done</td>');
    expect(page.html).toContain(`<td>revoke:${taskId}</td>`);
    // The webhook connector cannot read the target back, so its verification proves nothing.
    expect(page.html).toContain('not checked: the connector cannot read the target');
  });

  it('lets an admin confirm a manual removal during retries', async () => {
    const org = await web.seed();
    const policy = await publishPolicy(web.db.orm, {
      steps: [step()],
      revocation: { mode: 'automatic', connector: 'hook' },
    });
    const { taskId, handle } = await web.startTask(org, policy, {
      revocationRetry: { initialIntervalMs: 30_000, maximumAttempts: 5 },
    });
    webhook.failAlways(503);
    try {
      const manager = await web.signInAs(org.ids.manager);
      await manager.post(`/tasks/${taskId}/decide`, { decision: 'remove' }, { htmx: true });
      const admin = await web.signInAs(org.ids.superAdmin);
      const page = await eventually(
        () => admin.page(`/tasks/${taskId}`),
        (result) => result.html.includes('The connector call stops.'),
        { what: 'the manual confirmation form' },
      );
      expect(page.html).toContain('Confirm removed by hand');
      expect((await manager.page(`/tasks/${taskId}`)).html).not.toContain(
        'Confirm removed by hand',
      );

      const confirmed = await admin.post(
        `/tasks/${taskId}/revocation`,
        { kind: 'markProvisioned', comment: 'Removed in the console' },
        { htmx: true },
      );
      expect(confirmed.status).toBe(200);
      expect(await confirmed.text()).toContain('Confirmed as removed by hand.');
      expect((await handle.result()).revocation?.status).toBe('revoked');
    } finally {
      webhook.failAlways(0);
    }
  });
});
