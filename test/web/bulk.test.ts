import { describe, expect, it } from 'vitest';
import { certifyUpdate, getTaskQuery } from '../../workflows/messages.js';
import { eventually } from '../support/temporal.js';
import type { TestBrowser } from './support.js';
import { useWebHarness } from './support.js';

const web = useWebHarness();

/** Posts a bulk request and polls its status fragment until the job has finished. */
async function runBulk(
  browser: TestBrowser,
  form: Record<string, string | string[] | number | undefined>,
) {
  const started = await browser.post('/bulk', form, { htmx: true });
  expect(started.status).toBe(202);
  const first = await started.text();
  expect(first).toContain('hx-trigger="every 1s"');
  const jobId = /\/bulk\/([A-Za-z0-9_-]+)/.exec(first)![1]!;
  let trigger: string | null = null;
  const html = await eventually(
    async () => {
      const response = await browser.request(`/bulk/${jobId}`, { htmx: true });
      trigger ??= response.headers.get('hx-trigger');
      return response.text();
    },
    (text) => !text.includes('working…'),
    { what: 'the bulk job to finish' },
  );
  return { jobId, html, trigger };
}

describe('bulk decisions', () => {
  it('certifies selected tasks with one comment', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const tasks = [
      await web.startTask(org, policy),
      await web.startTask(org, policy),
      await web.startTask(org, policy),
    ];
    const browser = await web.signInAs(org.ids.manager);
    const { html, trigger } = await runBulk(browser, {
      decision: 'certify',
      comment: 'Quarterly check: all still needed',
      taskId: tasks.map((t) => t.taskId),
    });
    expect(html).toContain('Certify: 3 of 3 done');
    expect(html).toContain('Applied: 3 · Rejected: 0');
    expect(html).toContain('All 3 tasks were decided.');
    expect(html).not.toContain('hx-trigger');
    expect(trigger).toBe('tasks-changed');
    for (const task of tasks) {
      const state = await task.handle.query(getTaskQuery);
      expect(state.status).toBe('certified');
      expect(state.log.find((e) => e.type === 'certified')?.comment).toBe(
        'Quarterly check: all still needed',
      );
    }
  });

  it('reports each task that was rejected and why', async () => {
    const org = await web.seed();
    const other = await web.seed();
    const policy = await web.policy();
    const open = await web.startTask(org, policy);
    const decidedElsewhere = await web.startTask(org, policy);
    const needsComment = await web.startTask(
      org,
      await web.policy({ commentRequired: { certify: true, remove: true } }),
    );
    const theirs = await web.startTask(other, policy);
    await decidedElsewhere.handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: org.ids.manager }],
    });

    const browser = await web.signInAs(org.ids.manager);
    const { html } = await runBulk(browser, {
      decision: 'remove',
      taskId: [open.taskId, decidedElsewhere.taskId, needsComment.taskId, theirs.taskId],
    });
    expect(html).toContain('Remove: 4 of 4 done');
    expect(html).toContain('Applied: 1 · Rejected: 3');
    expect(html).toMatch(
      /Rejected \(The task is already closed \(certified\)|not waiting for your decision/,
    );
    expect(html).toContain('A comment is required to remove');
    expect(html).toContain('Task not found, or not one you may see.');
    expect(html).not.toContain(theirs.input.subject.resourceName);
    expect((await theirs.handle.query(getTaskQuery)).status).toBe('open');
    expect((await open.handle.query(getTaskQuery)).status).toBe('removed');
  });

  it('asks for a comment before starting when every task needs one', async () => {
    const org = await web.seed();
    const policy = await web.policy({ commentRequired: { certify: false, remove: true } });
    const first = await web.startTask(org, policy);
    const second = await web.startTask(org, policy);
    const browser = await web.signInAs(org.ids.manager);
    const response = await browser.post(
      '/bulk',
      { decision: 'remove', taskId: [first.taskId, second.taskId] },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('need a comment to remove');
    expect((await first.handle.query(getTaskQuery)).status).toBe('open');
    expect((await second.handle.query(getTaskQuery)).status).toBe('open');
  });

  it('applies to all tasks matching the filters', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const tasks = [
      await web.startTask(org, policy),
      await web.startTask(org, policy),
      await web.startTask(org, policy),
    ];
    // Two of the three become critical in the projection, which the filter reads.
    await web.db.orm.em
      .fork()
      .getConnection()
      .execute(`update review_task set risk_level = 'critical' where id in (?, ?)`, [
        tasks[0]!.taskId,
        tasks[1]!.taskId,
      ]);
    const browser = await web.signInAs(org.ids.manager);
    const { html } = await runBulk(browser, {
      decision: 'certify',
      comment: 'Checked the critical ones',
      scope: 'all_matching',
      filter_risk: 'critical',
    });
    expect(html).toContain('Certify: 2 of 2 done');
    expect((await tasks[2]!.handle.query(getTaskQuery)).status).toBe('open');
  });

  it('rejects an empty selection and a missing decision', async () => {
    const org = await web.seed();
    const browser = await web.signInAs(org.ids.manager);
    const empty = await browser.post('/bulk', { decision: 'certify' }, { htmx: true });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('Select at least one task');
    const noDecision = await browser.post('/bulk', { taskId: 'x' }, { htmx: true });
    expect(noDecision.status).toBe(422);
  });

  it('shows a job only to the reviewer who started it', async () => {
    const org = await web.seed();
    const task = await web.startTask(org, await web.policy());
    const browser = await web.signInAs(org.ids.manager);
    const { jobId } = await runBulk(browser, { decision: 'certify', taskId: task.taskId });
    const other = await web.signInAs(org.ids.outsider);
    expect((await other.request(`/bulk/${jobId}`)).status).toBe(404);
    expect((await browser.request(`/bulk/${jobId}`)).status).toBe(200);
  });
});
