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
  });
});
