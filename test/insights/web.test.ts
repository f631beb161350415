import { describe, expect, it } from 'vitest';
import { computeInsights, type GrantInsights } from '../../activities/insights/compute.js';
import type { Organisation } from '../support/fixtures.js';
import { eventually } from '../support/temporal.js';
import { getTaskQuery } from '../../workflows/messages.js';
import type { TaskLogEntry } from '../../workflows/task-state.js';
import { insertCampaign, useWebHarness, type TestBrowser } from '../web/support.js';

const web = useWebHarness();

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return web.db.orm.em.fork().getConnection().execute<T[]>(query, params);
}

async function insightsNow(org: Organisation): Promise<GrantInsights> {
  const grantId = org.subject.grantId!;
  const byGrant = await computeInsights(web.db.orm.em.fork(), [grantId]);
  return byGrant.get(grantId)!;
}

/**
 * Seeds an organisation and computes its grant's insights three times: as seeded (a high-risk
 * resource that no peer holds, so "take a closer look"), with the account disabled (so "remove
 * this access"), and enabled again at low risk without a department (no recommendation).
 */
async function organisationWithThreeRecommendations() {
  const org = await web.seed();
  const closerLook = await insightsNow(org);
  await sql(`update account set status = 'disabled' where id = ?`, [org.subject.accountId]);
  const remove = await insightsNow(org);
  await sql(`update account set status = 'enabled' where id = ?`, [org.subject.accountId]);
  await sql(`update resource set risk_level = 'low' where id = ?`, [org.subject.resourceId]);
  await sql(`update identity set department = null where id = ?`, [org.ids.subject]);
  const none = await insightsNow(org);
  return { org, remove, closerLook, none };
}

/** Posts a bulk request and polls its status fragment until the job has finished. */
async function runBulk(browser: TestBrowser, form: Record<string, string | string[]>) {
  const started = await browser.post('/bulk', form, { htmx: true });
  expect(started.status).toBe(202);
  const jobId = /\/bulk\/([A-Za-z0-9_-]+)/.exec(await started.text())![1]!;
  return eventually(
    async () => (await browser.request(`/bulk/${jobId}`, { htmx: true })).text(),
    (text) => !text.includes('working…'),
    { what: 'the bulk job to finish' },
  );
}

describe('insights in the web pages', () => {
  it('shows the recommendation and numbers in the details', async () => {
    const { org, remove } = await organisationWithThreeRecommendations();
    expect(remove.recommendation.kind).toBe('remove');
    const { taskId } = await web.startTask(org, await web.policy(), remove);

    const browser = await web.signInAs(org.ids.manager);
    const { html } = await browser.page(`/tasks/${taskId}`);
    expect(html).toContain('Recommendation: remove this access');
    expect(html).toContain(
      '<li>The account is disabled in the application, yet it still holds this access.</li>',
    );
    expect(html).toContain(
      '<li>The resource&#39;s risk level is high; resources at high or above get a closer look.</li>',
    );
    expect(html).toContain('Rules recert-rules/1');
    expect(html).toContain('<dt>Identities holding this resource</dt><dd>1</dd>');
    expect(html).toMatch(
      /<dt>Peers with the same department<\/dt><dd>0 of \d+ in Engineering hold it<\/dd>/,
    );
    expect(html).toContain('<dt>Account status</dt><dd>disabled in the application</dd>');
    expect(html).toContain('<dt>Other accounts holding it</dt><dd>0 human, 0 service</dd>');
    expect(html).toContain('not reported by the source');
    expect(html).toContain('<dt>Grant</dt><dd>direct</dd>');
    expect(html).toContain('<dt>Employment status</dt><dd>active</dd>');
  });

  it('flags the recommendation in the task row', async () => {
    const { org, remove, closerLook, none } = await organisationWithThreeRecommendations();
    const policy = await web.policy();
    await web.startTask(org, policy, remove);
    await web.startTask(org, policy, closerLook);
    await web.startTask(org, policy, none);

    const browser = await web.signInAs(org.ids.manager);
    const { html } = await browser.page('/reviews?view=unstructured');
    expect(html.match(/class="flag remove">Recommendation: remove this access/g)).toHaveLength(1);
    expect(html.match(/class="flag closer_look">Recommendation: take a closer look/g)).toHaveLength(
      1,
    );
  });

  it('filters by recommendation', async () => {
    const { org, remove, closerLook, none } = await organisationWithThreeRecommendations();
    const policy = await web.policy();
    const removeTask = await web.startTask(org, policy, remove);
    const closerTask = await web.startTask(org, policy, closerLook);
    const noneTask = await web.startTask(org, policy, none);

    const browser = await web.signInAs(org.ids.manager);
    const removeList = (await browser.page('/reviews?view=unstructured&recommendation=remove'))
      .html;
    expect(removeList).toContain(`/tasks/${removeTask.taskId}`);
    expect(removeList).not.toContain(`/tasks/${closerTask.taskId}`);
    expect(removeList).not.toContain(`/tasks/${noneTask.taskId}`);
    expect(removeList).toContain('<option value="remove" selected="">Remove this access</option>');

    const closerList = (await browser.page('/reviews?view=unstructured&recommendation=closer_look'))
      .html;
    expect(closerList).toContain(`/tasks/${closerTask.taskId}`);
    expect(closerList).not.toContain(`/tasks/${removeTask.taskId}`);
    expect(closerList).not.toContain(`/tasks/${noneTask.taskId}`);
  });

  it('accepts only remove recommendations in bulk', async () => {
    const { org, remove, closerLook, none } = await organisationWithThreeRecommendations();
    const policy = await web.policy();
    const removeTask = await web.startTask(org, policy, remove);
    const closerTask = await web.startTask(org, policy, closerLook);
    const noneTask = await web.startTask(org, policy, none);

    const browser = await web.signInAs(org.ids.manager);
    const html = await runBulk(browser, {
      decision: 'accept_recommendations',
      comment: 'Disabled accounts keep no access',
      taskId: [removeTask.taskId, closerTask.taskId, noneTask.taskId],
    });
    expect(html).toContain('Accept recommendations: 3 of 3 done');
    expect(html).toContain('Applied: 1 · Rejected: 0 · Not sent: 0 · Failed: 0 · Skipped: 2');
    expect(html).toContain(
      'Skipped (The recommendation is to take a closer look, which only a reviewer can do: decide this task yourself.)',
    );
    expect(html).toContain('Skipped (The task has no recommendation to accept.)');

    const removed = await removeTask.handle.query(getTaskQuery);
    expect(removed.status).toBe('removed');
    const decision = removed.log.find((entry: TaskLogEntry) => entry.type === 'removed');
    expect(decision?.comment).toBe('Disabled accounts keep no access');
    expect(decision?.data?.recommendationOutcome).toBe('followed');
    expect((await closerTask.handle.query(getTaskQuery)).status).toBe('open');
    expect((await noneTask.handle.query(getTaskQuery)).status).toBe('open');
  });

  it('skips a task whose live recommendation changed', async () => {
    const { org, none } = await organisationWithThreeRecommendations();
    const task = await web.startTask(org, await web.policy(), none);
    // The projection row still shows remove, as it would before it catches up with a refresh.
    await sql(`update review_task set recommendation = 'remove' where id = ?`, [task.taskId]);

    const browser = await web.signInAs(org.ids.manager);
    const html = await runBulk(browser, {
      decision: 'accept_recommendations',
      taskId: [task.taskId],
    });
    expect(html).toContain('Skipped (The task has no recommendation to accept.)');
    expect((await task.handle.query(getTaskQuery)).status).toBe('open');
  });
});

describe('recommendations report page', () => {
  it('shows followed, overridden and fast decisions', async () => {
    const { org, remove, closerLook } = await organisationWithThreeRecommendations();
    const policy = await web.policy();
    const campaignId = await insertCampaign(web.db.orm, {
      ownerId: org.ids.campaignAdmin,
      name: 'Access review Q4',
      instructions: '',
      policy,
    });
    const followed = await web.startTask(org, policy, { ...remove, campaignId });
    const overridden = await web.startTask(org, policy, { ...remove, campaignId });
    await web.startTask(org, policy, { ...closerLook, campaignId });

    const reviewer = await web.signInAs(org.ids.manager);
    await runBulk(reviewer, { decision: 'remove', taskId: [followed.taskId] });
    await runBulk(reviewer, { decision: 'certify', taskId: [overridden.taskId] });
    await eventually(
      () =>
        sql<{ count: string }>(
          `select count(*) as count from task_event where task_id in (?, ?) and type in ('certified', 'removed')`,
          [followed.taskId, overridden.taskId],
        ),
      (rows) => Number(rows[0]?.count) === 2,
      { what: 'both decisions in task_event' },
    );

    expect((await reviewer.request(`/insights?campaign=${campaignId}`)).status).toBe(403);

    await web.giveRole(org.ids.campaignAdmin, 'campaign_admin');
    const admin = await web.signInAs(org.ids.campaignAdmin);
    const { response, html } = await admin.page(`/insights?campaign=${campaignId}`);
    expect(response.status).toBe(200);
    expect(html).toContain('Recommendations and decisions');
    expect(html).toContain(
      '<option value="' + campaignId + '" selected="">Access review Q4</option>',
    );
    expect(html).toContain('<td>2</td><td>1 / 1</td><td>1 (50%)</td><td>1 (50%)</td>');
    expect(html).toContain(`manager-`);
    expect(html).toMatch(/Fast decisions came less than 10 seconds/);
    expect(html).toContain('href="/insights"');
  });

  it('states when nothing was decided', async () => {
    const org = await web.seed();
    await web.giveRole(org.ids.campaignAdmin, 'campaign_admin');
    const admin = await web.signInAs(org.ids.campaignAdmin);
    const { html } = await admin.page('/insights?campaign=999999');
    expect(html).toContain('No decisions are recorded for this selection yet.');
  });
});
