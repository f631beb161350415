import { describe, expect, it } from 'vitest';
import { insertCampaign, tag, useWebHarness } from './support.js';

const web = useWebHarness();

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return web.db.orm.em.fork().getConnection().execute<T[]>(query, params);
}

/**
 * Inserts projection rows straight into review_task for `count` grants of new accounts, so
 * list tests need not start a workflow per row. Returns the task ids in insertion order.
 */
async function insertProjectionRows(input: {
  assigneeId: number;
  applicationId: number;
  resourceId: number;
  count: number;
  campaignId?: number | null;
  risk?: string;
  recommendation?: string | null;
  subjectIdentityId?: number | null;
}): Promise<string[]> {
  const ids: string[] = [];
  const prefix = tag();
  for (let i = 0; i < input.count; i += 1) {
    const [account] = await sql<{ id: number }>(
      `insert into account (application_id, external_id, display_name) values (?, ?, ?) returning id`,
      [input.applicationId, `acct-${prefix}-${i}`, `acct-${prefix}-${String(i).padStart(3, '0')}`],
    );
    const id = `list-${prefix}-${i}`;
    await sql(
      `insert into review_task (id, campaign_id, application_id, resource_id, account_id, subject_identity_id, status,
         assignee_id, assignee_ids, step_index, step_name, policy_name, policy_version, state_version, risk_level, recommendation, summary)
       values (?, ?, ?, ?, ?, ?, 'open', ?, ?::jsonb, 0, 'Manager review', 'none', 1, 1, ?, ?, 'inserted')`,
      [
        id,
        input.campaignId ?? null,
        input.applicationId,
        input.resourceId,
        account!.id,
        input.subjectIdentityId ?? null,
        input.assigneeId,
        JSON.stringify([input.assigneeId]),
        input.risk ?? 'medium',
        input.recommendation ?? null,
      ],
    );
    ids.push(id);
  }
  return ids;
}

describe('my reviews', () => {
  it('lists my open tasks and not another reviewer’s', async () => {
    const org = await web.seed();
    const other = await web.seed();
    const policy = await web.policy();
    const mine = await web.startTask(org, policy);
    const theirs = await web.startTask(other, policy);

    const browser = await web.signInAs(org.ids.manager);
    const { response, html } = await browser.page('/reviews');
    expect(response.status).toBe(200);
    expect(html).toContain(`/tasks/${mine.taskId}`);
    expect(html).not.toContain(theirs.taskId);
    expect(html).toContain(org.subject.subjectName);
    expect(html).toContain(org.subject.resourceName);
    expect(html).toContain(org.subject.applicationName);
    expect(html).toMatch(/<strong>1<\/strong> open · <strong>0<\/strong> done/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('shows campaign instructions as Markdown without raw HTML', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const campaignId = await insertCampaign(web.db.orm, {
      ownerId: org.ids.campaignAdmin,
      name: `Q4 review ${tag()}`,
      instructions:
        '## Before you start\n\nRemove **anything** unused.\n\n<img src=x onerror=alert(1)>\n\n[bad](javascript:alert(1))',
      defaultView: 'unstructured',
      policy,
    });
    await web.startTask(org, policy, { campaignId });
    const browser = await web.signInAs(org.ids.manager);
    const { html } = await browser.page('/reviews');
    expect(html).toContain('<h2>Before you start</h2>');
    expect(html).toContain('<strong>anything</strong>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('href="javascript:');
    // The campaign's default view applies until the reviewer switches.
    expect(html).toMatch(/aria-current="page"[^>]*>All in one list/);
    const switched = await browser.page('/reviews?view=by_user');
    expect(switched.html).toMatch(/aria-current="page"[^>]*>By user/);
  });

  it('renders imported names as text', async () => {
    const org = await web.seed();
    await sql('update resource set display_name = ? where id = ?', [
      '<script>alert(1)</script>',
      org.subject.resourceId,
    ]);
    await sql('update account set display_name = ? where id = ?', [
      '"><b>bold</b>',
      org.subject.accountId,
    ]);
    await web.startTask(org, await web.policy());
    const browser = await web.signInAs(org.ids.manager);
    const { html } = await browser.page('/reviews');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<b>bold</b>');
  });

  it('groups by application, by user and in one list', async () => {
    const org = await web.seed();
    const [app2] = await sql<{ id: number }>(
      `insert into application (key, name) values (?, ?) returning id`,
      [`zz-${tag()}`, `Zeta app ${tag()}`],
    );
    const [resource2] = await sql<{ id: number }>(
      `insert into resource (application_id, external_id, display_name, resource_type) values (?, 'r', 'Zeta role', 'role') returning id`,
      [app2!.id],
    );
    await insertProjectionRows({
      assigneeId: org.ids.manager,
      applicationId: org.applicationId,
      resourceId: org.subject.resourceId!,
      count: 2,
      subjectIdentityId: org.ids.subject,
    });
    await insertProjectionRows({
      assigneeId: org.ids.manager,
      applicationId: app2!.id,
      resourceId: resource2!.id,
      count: 1,
      subjectIdentityId: org.ids.fallback,
    });
    const browser = await web.signInAs(org.ids.manager);

    const byApplication = await browser.page('/reviews?view=by_application');
    const headings = [...byApplication.html.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toContain(org.subject.applicationName);
    expect(headings.some((h) => h?.startsWith('Zeta app'))).toBe(true);

    const firstPerson = await browser.page('/reviews?view=by_user');
    expect(firstPerson.html).toContain('(1 of 2 people)');
    expect(firstPerson.html).toContain('Next person');
    expect(firstPerson.html).toContain(`fallback`);
    const secondPerson = await browser.page('/reviews?view=by_user&page=2');
    expect(secondPerson.html).toContain('(2 of 2 people)');
    expect(secondPerson.html).toContain('Previous person');
    expect((secondPerson.html.match(/<li class="task"/g) ?? []).length).toBe(2);

    const unstructured = await browser.page('/reviews?view=unstructured');
    expect((unstructured.html.match(/<li class="task"/g) ?? []).length).toBe(3);
  });

  it('filters by risk, recommendation, application and campaign', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const campaignId = await insertCampaign(web.db.orm, {
      ownerId: org.ids.campaignAdmin,
      name: `Filter campaign ${tag()}`,
      instructions: 'Check it.',
      policy,
    });
    const base = {
      assigneeId: org.ids.manager,
      applicationId: org.applicationId,
      resourceId: org.subject.resourceId!,
    };
    const [critical] = await insertProjectionRows({
      ...base,
      count: 1,
      risk: 'critical',
      campaignId,
    });
    const [flagged] = await insertProjectionRows({ ...base, count: 1, recommendation: 'remove' });
    const [plain] = await insertProjectionRows({ ...base, count: 1, risk: 'low' });
    const browser = await web.signInAs(org.ids.manager);

    const byRisk = (await browser.page('/reviews?view=unstructured&risk=critical')).html;
    expect(byRisk).toContain(critical);
    expect(byRisk).not.toContain(plain);

    const byRecommendation = (
      await browser.page('/reviews?view=unstructured&recommendation=remove')
    ).html;
    expect(byRecommendation).toContain(flagged);
    expect(byRecommendation).not.toContain(critical);
    expect(byRecommendation).toContain('Recommendation: remove this access');

    const none = (await browser.page('/reviews?view=unstructured&recommendation=none')).html;
    expect(none).toContain(plain);
    expect(none).not.toContain(flagged);

    const byCampaign = (await browser.page(`/reviews?view=unstructured&campaign=${campaignId}`))
      .html;
    expect(byCampaign).toContain(critical);
    expect(byCampaign).not.toContain(flagged);
    expect(byCampaign).toMatch(/<strong>1<\/strong> open/);

    const byApplication = (
      await browser.page(`/reviews?view=unstructured&application=${org.applicationId}`)
    ).html;
    expect((byApplication.match(/<li class="task"/g) ?? []).length).toBe(3);
    const otherApplication = (await browser.page(`/reviews?view=unstructured&application=999999`))
      .html;
    expect(otherApplication).toContain('Nothing to review here.');
  });

  it('pages through many tasks on the server', async () => {
    const org = await web.seed();
    await insertProjectionRows({
      assigneeId: org.ids.manager,
      applicationId: org.applicationId,
      resourceId: org.subject.resourceId!,
      count: 55,
    });
    const browser = await web.signInAs(org.ids.manager);
    const first = await browser.page('/reviews?view=unstructured');
    expect((first.html.match(/<li class="task"/g) ?? []).length).toBe(50);
    expect(first.html).toContain('Page 1 of 2');
    expect(first.html).toMatch(/<strong>55<\/strong> open/);
    const second = await browser.page('/reviews?view=unstructured&page=2');
    expect((second.html.match(/<li class="task"/g) ?? []).length).toBe(5);
    expect(second.html).toContain('Previous page');
  });

  it('counts and lists what I decided as done', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const decided = await web.startTask(org, policy);
    const open = await web.startTask(org, policy);
    const browser = await web.signInAs(org.ids.manager);
    const response = await browser.post(
      `/tasks/${decided.taskId}/decide`,
      { decision: 'certify', from: 'row' },
      { htmx: true },
    );
    expect(response.status).toBe(200);
    await web.projected(decided.taskId, (row) => row.status === 'certified');
    await web.until(decided.handle, (s) => s.closed, 'the task to close');

    const counts = await browser.request('/reviews/counts', { htmx: true });
    expect(await counts.text()).toMatch(/<strong>1<\/strong> open · <strong>1<\/strong> done/);
    const done = (await browser.page('/reviews?status=done&view=unstructured')).html;
    expect(done).toContain(decided.taskId);
    expect(done).not.toContain(open.taskId);
    expect(done).toContain('Certified');
  });

  it('lets administrators list everyone’s tasks', async () => {
    const org = await web.seed();
    const task = await web.startTask(org, await web.policy());
    await web.giveRole(org.ids.campaignAdmin, 'campaign_admin');
    const admin = await web.signInAs(org.ids.campaignAdmin);
    expect((await admin.page('/reviews?scope=all&view=unstructured')).html).toContain(task.taskId);
    const reviewer = await web.signInAs(org.ids.outsider);
    expect((await reviewer.page('/reviews?scope=all&view=unstructured')).html).not.toContain(
      task.taskId,
    );
  });
});
