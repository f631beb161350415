import { describe, expect, it } from 'vitest';
import { reviewTaskWorkflow } from '../../workflows/review-task.js';
import { certifyUpdate, getTaskQuery, removeUpdate } from '../../workflows/messages.js';
import { publishPolicy, step, taskInput } from '../support/fixtures.js';
import { eventually, uniqueId } from '../support/temporal.js';
import type { TaskView } from '../../web/tasks/task-access.js';
import { taskHeading } from '../../web/views/task-page.js';
import { buildApp, signInAs, useWebHarness } from './support.js';

const web = useWebHarness();

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return web.db.orm.em.fork().getConnection().execute<T[]>(query, params);
}

describe('task detail page', () => {
  it('shows the grant, the facts and the task log', async () => {
    const org = await web.seed();
    const { taskId } = await web.startTask(org, await web.policy());
    const browser = await web.signInAs(org.ids.manager);
    const { response, html } = await browser.page(`/tasks/${taskId}`);
    expect(response.status).toBe(200);
    const s = org.subject;
    const heading = `${s.subjectName} (${s.accountName}) · ${s.resourceName} in ${s.applicationName}`;
    expect(html).toContain(`<h1>${heading}</h1>`);
    expect(html).toContain(`<title>${heading}`);
    expect(html).toContain(org.subject.accountName);
    expect(html).toContain(org.subject.resourceName);
    expect(html).toContain(org.subject.applicationName);
    expect(html).toContain('Grant source</dt><dd>direct');
    expect(html).toContain('Identities holding this resource');
    expect(html).toContain('Task started');
    // Log times carry seconds, so entries of the same minute stay in order for the reader.
    expect(html).toMatch(/<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);
    expect(html).toContain('Assigned');
    expect(html).toContain('value="certify"');
    expect(html).not.toContain('Repair');
  });

  it('shows insights, the recommendation and an inherited source', async () => {
    const org = await web.seed();
    const { taskId } = await web.startTask(org, await web.policy(), {
      subject: { ...org.subject, inherited: true, grantedVia: ['Engineering all-staff'] },
      insights: {
        computedAt: new Date().toISOString(),
        identitiesHoldingResource: 3,
        peers: { department: { label: 'Engineering', holding: 1, total: 40 } },
        riskLevel: 'high',
        accountStatus: 'active',
        grantKind: 'inherited',
        inheritedVia: ['Engineering all-staff'],
        daysSinceLastUse: 200,
        lastUsedAt: '2026-05-01T00:00:00.000Z',
      },
      recommendation: {
        kind: 'remove',
        reasons: ['Not used for 200 days', 'Only 1 of 40 peers in Engineering hold it'],
        ruleVersion: 'test',
      },
    });
    const browser = await web.signInAs(org.ids.manager);
    const { html } = await browser.page(`/tasks/${taskId}`);
    expect(html).toContain('via Engineering all-staff');
    expect(html).toContain('Recommendation: remove this access');
    expect(html).toContain('<li>Not used for 200 days</li>');
    expect(html).toContain('1 of 40 in Engineering hold it');
    expect(html).toContain('name="seenInsightsVersion" value="1"');
  });

  it('names an orphaned account alone', () => {
    const subject = {
      subjectIdentityId: null,
      subjectName: 'Build Bot',
      accountName: 'build-bot',
      resourceName: 'Deployers',
      applicationName: 'GitHub',
    } as TaskView['subject'];
    expect(taskHeading(subject)).toBe('build-bot · Deployers in GitHub');
  });

  it('returns 404 for another reviewer’s task', async () => {
    const org = await web.seed();
    const { taskId, handle } = await web.startTask(org, await web.policy());
    const outsider = await web.signInAs(org.ids.outsider);
    expect((await outsider.request(`/tasks/${taskId}`)).status).toBe(404);
    expect((await outsider.request(`/tasks/${taskId}/reassign?q=ab`)).status).toBe(404);
    for (const [path, form] of [
      ['decide', { decision: 'certify' }],
      ['comment', { text: 'hello' }],
      ['reassign', { toIdentityId: org.ids.outsider, reason: 'mine now' }],
      ['remind', {}],
      ['revocation', { kind: 'approve' }],
    ] as const) {
      const response = await outsider.post(`/tasks/${taskId}/${path}`, form);
      expect(response.status, path).toBe(404);
    }
    expect((await outsider.request('/tasks/no-such-task')).status).toBe(404);
    expect((await handle.query(getTaskQuery)).log.map((e) => e.type)).not.toContain('commented');
  });
});

describe('decisions from the list', () => {
  it('certifies a row in place', async () => {
    const org = await web.seed();
    const { taskId, handle } = await web.startTask(org, await web.policy());
    const browser = await web.signInAs(org.ids.manager);
    const response = await browser.post(
      `/tasks/${taskId}/decide`,
      { decision: 'certify', from: 'row' },
      { htmx: true },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('hx-trigger')).toBe('task-decided');
    const html = await response.text();
    expect(html.startsWith('<li class="task"')).toBe(true);
    expect(html).toContain('Certified.');
    expect(html).not.toContain('value="certify"');
    expect((await handle.query(getTaskQuery)).status).toBe('certified');
  });

  it('says where a certify on the page led', async () => {
    const org = await web.seed();
    const policy = await publishPolicy(web.db.orm, {
      steps: [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    const { taskId, handle } = await web.startTask(org, policy);
    const manager = await web.signInAs(org.ids.manager);
    const first = await manager.post(`/tasks/${taskId}/decide`, { decision: 'certify' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Certified. The task moved on to step 2.');

    await eventually(
      () => handle.query(getTaskQuery),
      (s) => s.assigneeIds.includes(org.ids.appOwner),
      { what: 'the second step' },
    );
    const owner = await web.signInAs(org.ids.appOwner);
    const last = await owner.post(`/tasks/${taskId}/decide`, { decision: 'certify' });
    expect(await last.text()).toContain(
      'Certified. That was the last step, so the task is closed as certified.',
    );
  });

  it('asks for a required comment in the row', async () => {
    const org = await web.seed();
    const policy = await web.policy({ commentRequired: { certify: false, remove: true } });
    const { taskId, handle } = await web.startTask(org, policy);
    const browser = await web.signInAs(org.ids.manager);
    const list = await browser.page('/reviews');
    expect(list.html).toContain('Comment (required to remove)');

    const missing = await browser.post(
      `/tasks/${taskId}/decide`,
      { decision: 'remove', from: 'row' },
      { htmx: true },
    );
    expect(missing.status).toBe(422);
    const fragment = await missing.text();
    expect(fragment).toContain('A comment is required to remove');
    expect(fragment).toMatch(/<textarea[^>]*name="comment"[^>]*data-focus/);
    expect((await handle.query(getTaskQuery)).status).toBe('open');

    const done = await browser.post(
      `/tasks/${taskId}/decide`,
      { decision: 'remove', from: 'row', comment: 'Left the team' },
      { htmx: true },
    );
    expect(done.status).toBe(200);
    const state = await handle.query(getTaskQuery);
    expect(state.status).toBe('removed');
    expect(state.log.find((e) => e.type === 'removed')?.comment).toBe('Left the team');
  });

  it('shows the reason when someone else decided first', async () => {
    const org = await web.seed();
    const policy = await web.policy({
      reviewer: { kind: 'identities', emails: [org.emails.manager, org.emails.fallback] },
    });
    const { taskId, handle } = await web.startTask(org, policy);
    const browser = await web.signInAs(org.ids.manager);
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.fallback }] });

    const response = await browser.post(
      `/tasks/${taskId}/decide`,
      { decision: 'remove', from: 'row' },
      { htmx: true },
    );
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('The task is already closed (certified)');
    expect(html).not.toMatch(/Error|stack|at .*\.ts/);
    expect((await handle.query(getTaskQuery)).status).toBe('certified');
    const audit = await sql<{ reason: string }>(
      `select reason from audit_event where target_id = ? and action = 'task.remove' and outcome = 'rejected'`,
      [taskId],
    );
    expect(audit[0]?.reason).toContain('already closed');
  });

  it('rejects a decision from an administrator who is not the assignee', async () => {
    const org = await web.seed();
    const { taskId, handle } = await web.startTask(org, await web.policy());
    await web.giveRole(org.ids.campaignAdmin, 'campaign_admin');
    const admin = await web.signInAs(org.ids.campaignAdmin);
    // Administrators see every task, but only its assignees decide it.
    expect((await admin.request(`/tasks/${taskId}`)).status).toBe(200);
    const response = await admin.post(
      `/tasks/${taskId}/decide`,
      { decision: 'certify' },
      { htmx: true },
    );
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('You are not the assignee of this task.');
    expect((await handle.query(getTaskQuery)).status).toBe('open');
  });
});

describe('task actions', () => {
  it('comments, reassigns and reminds', async () => {
    const org = await web.seed();
    const { taskId, handle } = await web.startTask(org, await web.policy());
    const manager = await web.signInAs(org.ids.manager);

    const commented = await manager.post(
      `/tasks/${taskId}/comment`,
      { text: 'Asking the team <b>first</b>' },
      { htmx: true },
    );
    expect(commented.status).toBe(200);
    const panel = await commented.text();
    expect(panel).toContain('Comment added to the task log.');
    expect(panel).toContain('Asking the team &lt;b&gt;first&lt;/b&gt;');

    const search = await manager.request(
      `/tasks/${taskId}/reassign?q=${encodeURIComponent(org.emails.fallback)}`,
      {
        htmx: true,
      },
    );
    expect(search.status).toBe(200);
    expect(await search.text()).toContain(`value="${org.ids.fallback}"`);
    // The person whose access is under review is not offered.
    const subjectSearch = await manager.request(
      `/tasks/${taskId}/reassign?q=${encodeURIComponent(org.emails.subject)}`,
      { htmx: true },
    );
    expect(await subjectSearch.text()).not.toContain(`value="${org.ids.subject}"`);

    const noReason = await manager.post(
      `/tasks/${taskId}/reassign`,
      { toIdentityId: org.ids.fallback, reason: ' ' },
      { htmx: true },
    );
    // Missing input is a 422, as a missing decision comment is; a forbidden action is a 409.
    expect(noReason.status).toBe(422);
    expect(await noReason.text()).toContain('Give a reason for the reassignment.');

    const reminded = await manager.post(`/tasks/${taskId}/remind`, {}, { htmx: true });
    expect(reminded.status).toBe(200);
    expect(await reminded.text()).toContain('Reminder requested');
    const again = await manager.post(`/tasks/${taskId}/remind`, {}, { htmx: true });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(
      /A reminder was requested at \d\d:\d\d UTC; another can be sent after \d\d:\d\d UTC\./,
    );

    const reassigned = await manager.post(
      `/tasks/${taskId}/reassign`,
      { toIdentityId: org.ids.fallback, reason: 'On leave until March' },
      { htmx: true },
    );
    expect(reassigned.status).toBe(200);
    const state = await handle.query(getTaskQuery);
    expect(state.assigneeIds).toEqual([org.ids.fallback]);
    expect(state.log.map((e) => e.type)).toEqual(
      expect.arrayContaining(['commented', 'reminder_requested', 'reassigned']),
    );
    expect(state.log.filter((e) => e.type === 'reminder_requested')).toHaveLength(1);

    // The former assignee can still open the task, without a decision form.
    const after = await manager.page(`/tasks/${taskId}`);
    expect(after.response.status).toBe(200);
    expect(after.html).not.toContain('value="certify"');
    const fallback = await web.signInAs(org.ids.fallback);
    expect((await fallback.page(`/tasks/${taskId}`)).html).toContain('value="certify"');
  });

  it('lets approvers and owners finish a removal', async () => {
    const org = await web.seed();
    const policy = await publishPolicy(web.db.orm, {
      steps: [step()],
      revocation: {
        mode: 'approval',
        approverEmails: [org.emails.approver],
        then: { mode: 'manual' },
      },
    });
    const { taskId, handle } = await web.startTask(org, policy);
    const manager = await web.signInAs(org.ids.manager);
    const removed = await manager.post(
      `/tasks/${taskId}/decide`,
      { decision: 'remove' },
      { htmx: true },
    );
    expect(removed.status).toBe(200);
    expect(await removed.text()).toContain('the removal now waits for approval');

    const approver = await web.signInAs(org.ids.approver);
    const pending = await eventually(
      () => approver.page(`/tasks/${taskId}`),
      (page) => page.html.includes('Approve removal'),
      { what: 'the approval form' },
    );
    expect(pending.response.status).toBe(200);
    // The reviewer who removed the access can read, in words, whom the removal waits for.
    const approverName = org.emails.approver.split('@')[0]!.replace('-', ' ');
    const reviewerView = (await manager.page(`/tasks/${taskId}`)).html;
    expect(reviewerView).toContain('Status: waiting for approval (pending_approval)');
    expect(reviewerView).toContain(`Waiting for: ${approverName}`);
    const waiting = await eventually(
      () => approver.page('/reviews'),
      (page) => page.html.includes('Removals waiting for you (1)'),
      { what: 'the approver’s list of removals' },
    );
    expect(waiting.html).toContain(`href="/tasks/${taskId}"`);
    expect(waiting.html).toContain('approve or deny the removal');
    const owner = await web.signInAs(org.ids.appOwner);
    expect((await owner.page('/reviews')).html).not.toContain('Removals waiting for you');
    expect(
      (await owner.post(`/tasks/${taskId}/revocation`, { kind: 'approve' }, { htmx: true })).status,
    ).toBe(409);

    const approved = await approver.post(
      `/tasks/${taskId}/revocation`,
      { kind: 'approve', comment: 'Agreed' },
      { htmx: true },
    );
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain('Removal approved');

    const provisioning = await eventually(
      () => owner.page(`/tasks/${taskId}`),
      (page) => page.html.includes('Mark as provisioned'),
      { what: 'the provisioning form' },
    );
    expect(provisioning.html).toContain('Status: waiting to be done by hand (awaiting_manual)');
    // The task's own status line follows once the removal reports its state to the task.
    const statusLine = await eventually(
      () => owner.page(`/tasks/${taskId}`),
      (page) => page.html.includes('(awaiting_manual)</dd>'),
      { what: 'the task status line to show the manual removal' },
    );
    expect(statusLine.html).toContain('removal waiting to be done by hand (awaiting_manual)');
    // The task log words each removal status too, with its code after it.
    expect(statusLine.html).toContain('in progress (provisioning): Removal approved.');
    const toRemove = await eventually(
      () => owner.page('/reviews'),
      (page) => page.html.includes('Removals waiting for you (1)'),
      { what: 'the owner’s list of removals' },
    );
    expect(toRemove.html).toContain('remove the access by hand');
    expect((await approver.page('/reviews')).html).not.toContain('Removals waiting for you');
    // The owner the removal waits for can comment, and the approver, whose part is done, cannot.
    expect((await owner.page(`/tasks/${taskId}`)).html).toContain('Add comment');
    expect((await approver.page(`/tasks/${taskId}`)).html).not.toContain('Add comment');
    const commented = await owner.post(
      `/tasks/${taskId}/comment`,
      { text: 'Removing it in the console today' },
      { htmx: true },
    );
    expect(commented.status).toBe(200);
    const provisioned = await owner.post(
      `/tasks/${taskId}/revocation`,
      { kind: 'markProvisioned' },
      { htmx: true },
    );
    expect(provisioned.status).toBe(200);
    const outcome = await handle.result();
    expect(outcome.revocation?.status).toBe('revoked');
    await eventually(
      () => owner.page('/reviews'),
      (page) => !page.html.includes('Removals waiting for you'),
      { what: 'the finished removal to leave the owner’s list' },
    );
    // The workflow has finished, so the page offers no comment form.
    expect((await manager.page(`/tasks/${taskId}`)).html).not.toContain('Add comment');
    const audit = await sql<{ action: string }>(
      `select action from audit_event where target_id = ? and outcome = 'ok' order by id`,
      [taskId],
    );
    expect(audit.map((row) => row.action)).toEqual([
      'revocation.approve',
      'revocation.markProvisioned',
    ]);

    const outsider = await web.signInAs(org.ids.outsider);
    expect((await outsider.request(`/tasks/${taskId}`)).status).toBe(404);
  });
  it('lets admins follow up a failed removal', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const { taskId, handle } = await web.startTask(org, policy);
    // No active owner can remove the access by hand, so the removal fails at once.
    await sql(`update identity set employment_status = 'terminated' where id in (?, ?)`, [
      org.ids.appOwner,
      org.ids.campaignAdmin,
    ]);
    const manager = await web.signInAs(org.ids.manager);
    await manager.post(`/tasks/${taskId}/decide`, { decision: 'remove' }, { htmx: true });

    const admin = await web.signInAs(org.ids.superAdmin);
    const failed = await eventually(
      () => admin.page(`/tasks/${taskId}`),
      (page) => page.html.includes('Retry the removal'),
      { what: 'the follow-up form' },
    );
    expect(failed.html).toContain('Status: ');
    expect(failed.html).toContain('Confirm removed by hand');
    const waiting = /Waiting for: ([^<]*)</.exec(failed.html)?.[1] ?? '';
    const [superAdmin] = await sql<{ display_name: string }>(
      'select display_name from identity where id = ?',
      [org.ids.superAdmin],
    );
    expect(waiting).toContain(superAdmin!.display_name);
    expect(waiting).not.toContain('Identity');
    expect((await manager.page(`/tasks/${taskId}`)).html).not.toContain('Retry the removal');
    const work = await eventually(
      () => admin.page('/reviews'),
      (page) => page.html.includes('Removals waiting for you (1)'),
      { what: 'the failed removal in the admin’s list' },
    );
    expect(work.html).toContain('the removal failed: retry it or confirm it was removed by hand');

    const bare = await admin.post(`/tasks/${taskId}/revocation`, { kind: 'retry' }, { htmx: true });
    expect(bare.status).toBe(422);
    expect(await bare.text()).toContain('Give a reason for retrying the removal');
    const byReviewer = await manager.post(
      `/tasks/${taskId}/revocation`,
      { kind: 'retry', comment: 'try again' },
      { htmx: true },
    );
    expect(byReviewer.status).toBe(409);

    // There is still no owner, so the retry fails again and waits once more.
    const retried = await admin.post(
      `/tasks/${taskId}/revocation`,
      { kind: 'retry', comment: 'An owner was named' },
      { htmx: true },
    );
    expect(retried.status).toBe(200);
    expect(await retried.text()).toContain('Retrying the removal.');
    await web.until(
      handle,
      (s) =>
        s.log.filter((e) => e.type === 'revocation_updated' && e.data?.status === 'failed')
          .length === 2 && (s.revocation?.waitingFor?.length ?? 0) > 0,
      'the second failure',
    );
    const confirmed = await admin.post(
      `/tasks/${taskId}/revocation`,
      { kind: 'markProvisioned', comment: 'Disabled the account in the console' },
      { htmx: true },
    );
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Confirmed as removed by hand.');
    expect((await handle.result()).revocation?.status).toBe('revoked');
    const audit = await sql<{ action: string; outcome: string }>(
      `select action, outcome from audit_event where target_id = ? order by id`,
      [taskId],
    );
    expect(audit.filter((row) => row.action.startsWith('revocation.'))).toEqual([
      { action: 'revocation.retry', outcome: 'rejected' },
      { action: 'revocation.retry', outcome: 'rejected' },
      { action: 'revocation.retry', outcome: 'ok' },
      { action: 'revocation.markProvisioned', outcome: 'ok' },
    ]);
  });
});

describe('when no worker responds', () => {
  it('shows the projection and rejects actions at once', async () => {
    const org = await web.seed();
    const policy = await web.policy();
    const input = taskInput(org, policy);
    // A task queue that no worker polls: the workflow exists but its queries time out.
    const handle = await web.temporal.client.workflow.start(reviewTaskWorkflow, {
      taskQueue: uniqueId('nobody'),
      workflowId: input.taskId,
      args: [input],
    });
    await sql(
      `insert into review_task (id, application_id, resource_id, account_id, grant_id, subject_identity_id, status,
         assignee_id, assignee_ids, step_index, step_name, policy_name, policy_version, state_version, risk_level, summary)
       values (?, ?, ?, ?, ?, ?, 'open', ?, ?::jsonb, 0, 'Manager review', ?, ?, 2, 'high', 'stored')`,
      [
        input.taskId,
        org.applicationId,
        org.subject.resourceId,
        org.subject.accountId,
        org.subject.grantId,
        org.ids.subject,
        org.ids.manager,
        JSON.stringify([org.ids.manager]),
        policy.name,
        policy.version,
      ],
    );
    await sql(
      `insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name, policy_version, comment)
       values (?, 1, 'started', null, now(), 0, ?, ?, null), (?, 2, 'commented', ?, now(), 0, ?, ?, 'stored comment')`,
      [
        input.taskId,
        policy.name,
        policy.version,
        input.taskId,
        org.ids.manager,
        policy.name,
        policy.version,
      ],
    );
    const app = buildApp(web.db.orm, web.temporal.client, {
      taskQueryTimeoutMs: 300,
      taskActionTimeoutMs: 1_000,
    });
    try {
      const browser = await signInAs(app, org.ids.manager);
      const started = Date.now();
      const page = await browser.page(`/tasks/${input.taskId}`);
      expect(page.response.status).toBe(200);
      expect(page.html).toContain('The review service is not answering right now');
      expect(page.html).toContain('stored comment');
      expect(page.html).toContain(org.subject.resourceName);

      const decided = await browser.post(
        `/tasks/${input.taskId}/decide`,
        { decision: 'certify', from: 'row' },
        { htmx: true },
      );
      expect(decided.status).toBe(503);
      expect(await decided.text()).toContain('cannot be changed right now');
      expect(Date.now() - started).toBeLessThan(10_000);

      // Bulk jobs send without reading first; the update itself gives up after the deadline.
      const bulk = await browser.post(
        '/bulk',
        { decision: 'certify', taskId: input.taskId },
        { htmx: true },
      );
      const jobId = /\/bulk\/([A-Za-z0-9_-]+)/.exec(await bulk.text())![1]!;
      const status = await eventually(
        async () => (await browser.request(`/bulk/${jobId}`, { htmx: true })).text(),
        (html) => html.includes('1 of 1 done'),
        { what: 'the bulk job to finish' },
      );
      expect(status).toContain('Not sent: 1');
    } finally {
      await handle.terminate('test finished');
    }
  });
});

describe('certify then remove', () => {
  it('rejects a second decision on a closed task', async () => {
    const org = await web.seed();
    const { taskId, handle } = await web.startTask(org, await web.policy());
    const browser = await web.signInAs(org.ids.manager);
    await browser.post(`/tasks/${taskId}/decide`, { decision: 'certify' }, { htmx: true });
    await handle.result();
    const again = await browser.post(
      `/tasks/${taskId}/decide`,
      { decision: 'remove' },
      { htmx: true },
    );
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already closed');
    const error = await handle
      .executeUpdate(removeUpdate, { args: [{ actorId: org.ids.manager }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });
});
