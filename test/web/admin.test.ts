import { describe, expect, it } from 'vitest';
import { recordAudit } from '../../runtime/task-client.js';
import { getTaskQuery } from '../../workflows/messages.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { buildApp, signInAs, useWebHarness } from './support.js';

const web = useWebHarness();

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return web.db.orm.em.fork().getConnection().execute<T[]>(query, params);
}

/** Starts a task whose workflow lists `superAdmin` as super admin and signs that admin in. */
async function taskWithAdmin(steps = 1) {
  const org = await web.seed();
  const policy = await publishPolicy(web.db.orm, {
    steps: Array.from({ length: steps }, (_, i) => step({ name: `Step ${i + 1}` })),
    revocation: { mode: 'manual' },
  });
  const task = await web.startTask(org, policy);
  await web.giveRole(org.ids.superAdmin, 'super_admin');
  const admin = await web.signInAs(org.ids.superAdmin);
  return { org, policy, admin, ...task };
}

describe('repair actions', () => {
  it('are hidden from and rejected for non-admins', async () => {
    const { org, taskId, handle } = await taskWithAdmin();
    const manager = await web.signInAs(org.ids.manager);
    expect((await manager.page(`/tasks/${taskId}`)).html).not.toContain('Repair');
    for (const action of [
      'cancel',
      'delete',
      'restart',
      'hard-reset',
      'change-policy',
      'skip-step',
      'process-now',
    ]) {
      const response = await manager.post(`/tasks/${taskId}/admin/${action}`, {
        reason: 'x',
        confirm: 'yes',
      });
      expect(response.status, action).toBe(403);
    }
    // The same status for an id that does not exist, so the 403 reveals nothing.
    expect(
      (await manager.post('/tasks/no-such-task/admin/cancel', { confirm: 'yes' })).status,
    ).toBe(403);
    expect((await handle.query(getTaskQuery)).status).toBe('open');
  });

  it('shows admin-only actions and one Temporal UI link', async () => {
    const { admin, taskId } = await taskWithAdmin();
    const { html } = await admin.page(`/tasks/${taskId}`);
    const link = `href="http://temporal-ui.test/namespaces/default/workflows/${taskId}"`;
    expect(html.split(link).length - 1).toBe(1);
    expect(html.split('Workflow in the Temporal UI').length - 1).toBe(1);
    for (const label of [
      'Skip the last step',
      'Restart from the first step',
      'Hard reset',
      'Change policy',
      'Process now',
      'Cancel the task',
      'Delete the task',
    ]) {
      expect(html).toMatch(new RegExp(`${label}[^<]*<span class="flag admin">Admin only</span>`));
    }
  });

  it('cancels only after confirmation', async () => {
    const { admin, taskId, handle, org } = await taskWithAdmin();
    const asked = await admin.post(
      `/tasks/${taskId}/admin/cancel`,
      { reason: 'Out of scope' },
      { htmx: true },
    );
    expect(asked.status).toBe(200);
    const question = await asked.text();
    expect(question).toContain('Cancel this task?');
    expect(question).toContain('name="confirm" value="yes"');
    expect((await handle.query(getTaskQuery)).status).toBe('open');

    const confirmed = await admin.post(
      `/tasks/${taskId}/admin/cancel`,
      { reason: 'Out of scope', confirm: 'yes' },
      { htmx: true },
    );
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Task canceled');
    expect((await handle.query(getTaskQuery)).status).toBe('canceled');
    const audit = await sql<{ actor: string; reason: string }>(
      `select actor, reason from audit_event where action = 'task.cancel' and target_id = ? and outcome = 'ok'`,
      [taskId],
    );
    expect(audit).toEqual([{ actor: `identity:${org.ids.superAdmin}`, reason: 'Out of scope' }]);
  });

  it('deletes only after confirmation', async () => {
    const { admin, taskId } = await taskWithAdmin();
    const asked = await admin.post(
      `/tasks/${taskId}/admin/delete`,
      { reason: 'Duplicate' },
      { htmx: true },
    );
    expect(await asked.text()).toContain('Delete this task?');
    const deleted = await admin.post(
      `/tasks/${taskId}/admin/delete`,
      { reason: 'Duplicate', confirm: 'yes' },
      { htmx: true },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get('hx-redirect')).toBe('/reviews?scope=all');
    expect(await sql('select id from review_task where id = ?', [taskId])).toEqual([]);
    expect(
      await sql(`select reason from audit_event where action = 'task.delete' and target_id = ?`, [
        taskId,
      ]),
    ).toEqual([{ reason: 'Duplicate' }]);
    // Temporal deletes the execution itself in the background (the dev server takes about half
    // a minute), but the lists read the projection, which is gone at once.
    expect((await admin.page('/reviews?scope=all&view=unstructured')).html).not.toContain(taskId);
  });

  it('skips a step, restarts, processes now and changes policy', async () => {
    const { admin, taskId, handle } = await taskWithAdmin(2);
    const other = await publishPolicy(web.db.orm, {
      steps: [step({ name: 'Other step' })],
      revocation: { mode: 'manual' },
    });

    const skipped = await admin.post(
      `/tasks/${taskId}/admin/skip-step`,
      { reason: 'Manager away' },
      { htmx: true },
    );
    expect(skipped.status).toBe(200);
    expect((await handle.query(getTaskQuery)).stepIndex).toBe(1);

    const restarted = await admin.post(
      `/tasks/${taskId}/admin/restart`,
      { reason: 'Wrong data' },
      { htmx: true },
    );
    expect(restarted.status).toBe(200);
    await web.until(handle, (s) => s.stepIndex === 0 && !s.resolvingReviewers, 'the restart');

    const processed = await admin.post(`/tasks/${taskId}/admin/process-now`, {}, { htmx: true });
    expect(processed.status).toBe(200);
    await web.until(handle, (s) => !s.resolvingReviewers, 'processing');

    const changed = await admin.post(
      `/tasks/${taskId}/admin/change-policy`,
      { policyName: other.name, reason: 'New rules' },
      { htmx: true },
    );
    expect(changed.status).toBe(200);
    const state = await web.until(handle, (s) => s.policy.name === other.name, 'the policy change');
    expect(state.log.map((e) => e.type)).toEqual(
      expect.arrayContaining(['step_skipped', 'restarted', 'processed', 'policy_changed']),
    );
    const reset = await admin.post(
      `/tasks/${taskId}/admin/hard-reset`,
      { reason: 'Policy fixed' },
      { htmx: true },
    );
    expect(reset.status).toBe(200);
    await web.until(handle, (s) => s.log.some((e) => e.type === 'hard_reset'), 'the hard reset');
  });

  it('is checked again by the workflow', async () => {
    const { org, taskId, handle } = await taskWithAdmin();
    // A super admin named after the task started is not in the workflow's list.
    await web.giveRole(org.ids.fallback, 'super_admin');
    const late = await web.signInAs(org.ids.fallback);
    const response = await late.post(
      `/tasks/${taskId}/admin/skip-step`,
      { reason: 'x' },
      { htmx: true },
    );
    expect(response.status).toBe(409);
    expect(await response.text()).toContain(
      'Only the super admins named when this task’s campaign was launched can skip a step.',
    );
    expect((await handle.query(getTaskQuery)).stepIndex).toBe(0);

    const { html } = await late.page(`/tasks/${taskId}`);
    expect(html).toContain('you were given the role later');
    expect(html).not.toContain('Delete the task');
    const deleted = await late.post(
      `/tasks/${taskId}/admin/delete`,
      { reason: 'x', confirm: 'yes' },
      { htmx: true },
    );
    expect(deleted.status).toBe(409);
    expect(await deleted.text()).toContain('can repair or delete it');
    const audit = await sql<{ outcome: string }>(
      `select outcome from audit_event where action = 'task.delete' and target_id = ?`,
      [taskId],
    );
    expect(audit).toEqual([{ outcome: 'rejected' }]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it('requires a reason to delete or cancel', async () => {
    const { admin, taskId, handle } = await taskWithAdmin();
    for (const action of ['delete', 'cancel']) {
      const response = await admin.post(
        `/tasks/${taskId}/admin/${action}`,
        { reason: ' ', confirm: 'yes' },
        { htmx: true },
      );
      expect(response.status, action).toBe(422);
      expect(await response.text(), action).toContain(`Give a reason to ${action} the task`);
    }
    expect((await handle.query(getTaskQuery)).status).toBe('open');
  });

  it('rejects a change to an unpublished policy version', async () => {
    const { admin, taskId, handle } = await taskWithAdmin();
    const before = await handle.query(getTaskQuery);
    const response = await admin.post(
      `/tasks/${taskId}/admin/change-policy`,
      { policyName: before.policy.name, policyVersion: '99', reason: 'typo' },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(`Policy ${before.policy.name} v99 is not published`);
    const after = await handle.query(getTaskQuery);
    expect(after.version).toBe(before.version);
    expect(after.stepDueAt).toBe(before.stepDueAt);
  });
});

describe('audit log page', () => {
  it('filters and pages events', async () => {
    const org = await web.seed();
    await web.giveRole(org.ids.superAdmin, 'super_admin');
    const marker = `target-${org.ids.superAdmin}`;
    for (let i = 0; i < 55; i += 1) {
      await recordAudit(web.db.orm, {
        actor: 'cli:test',
        action: 'import.run',
        targetType: 'file',
        targetId: marker,
      });
    }
    await recordAudit(web.db.orm, {
      actor: 'cli:test',
      action: 'policy.publish',
      targetId: marker,
      outcome: 'rejected',
      reason: 'bad <file>',
    });
    const admin = await web.signInAs(org.ids.superAdmin);
    const first = await admin.page(`/admin/audit?target=${marker}`);
    expect(first.html).toContain('56 events');
    expect(first.html).toContain('Page 1 of 2');
    expect(first.html).toContain('bad &lt;file&gt;');
    const second = await admin.page(`/admin/audit?target=${marker}&page=2`);
    expect((second.html.match(/<tr>/g) ?? []).length).toBe(1 + 6);
    const rejected = await admin.page(`/admin/audit?target=${marker}&outcome=rejected`);
    expect(rejected.html).toContain('1 events');
    const signIns = await admin.page(
      `/admin/audit?action=auth.sign_in&actor=identity:${org.ids.superAdmin}`,
    );
    expect(signIns.html).toContain('auth.sign_in');
    expect(signIns.html).toContain(`superAdmin`);

    const reviewer = await web.signInAs(org.ids.manager);
    expect((await reviewer.request('/admin/audit')).status).toBe(403);
  });
});

describe('sessions page', () => {
  it('lists and revokes sessions', async () => {
    const org = await web.seed();
    await web.giveRole(org.ids.superAdmin, 'super_admin');
    const admin = await web.signInAs(org.ids.superAdmin);
    const reviewer = await web.signInAs(org.ids.outsider);
    const { html } = await admin.page('/admin/sessions');
    const sessionId = new RegExp(
      `outsider ${org.emails.outsider.split('-')[1]!.split('@')[0]}[\\s\\S]*?/admin/sessions/(\\d+)/revoke`,
    ).exec(html)?.[1];
    expect(sessionId).toBeDefined();
    const revoked = await admin.post(`/admin/sessions/${sessionId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toContain('Session revoked');
    expect((await reviewer.request('/reviews')).status).toBe(302);
    expect(
      await sql(`select actor from audit_event where action = 'session.revoke' and target_id = ?`, [
        sessionId,
      ]),
    ).toEqual([{ actor: `identity:${org.ids.superAdmin}` }]);
  });
});

describe('roles page', () => {
  it('gives and removes roles with an audit trail', async () => {
    const org = await web.seed();
    await web.giveRole(org.ids.superAdmin, 'super_admin');
    const admin = await web.signInAs(org.ids.superAdmin);
    const search = await admin.page(`/admin/roles?q=${encodeURIComponent(org.emails.approver)}`);
    expect(search.html).toContain(`value="${org.ids.approver}"`);

    const given = await admin.post('/admin/roles', {
      identityId: org.ids.approver,
      role: 'campaign_admin',
    });
    expect(given.status).toBe(200);
    expect(await given.text()).toContain('Role given.');
    const approver = await web.signInAs(org.ids.approver);
    expect((await approver.page('/reviews')).html).toContain('Everyone’s (administrators)');

    const removed = await admin.post('/admin/roles/revoke', {
      identityId: org.ids.approver,
      role: 'campaign_admin',
    });
    expect(await removed.text()).toContain('Role removed.');
    expect((await approver.page('/reviews')).html).not.toContain('Everyone’s (administrators)');
    const audit = await sql<{ action: string; detail: { role: string } }>(
      `select action, detail from audit_event where target_type = 'identity' and target_id = ? and action like 'role.%' order by id`,
      [String(org.ids.approver)],
    );
    expect(audit).toEqual([
      { action: 'role.grant', detail: { role: 'campaign_admin' } },
      { action: 'role.revoke', detail: { role: 'campaign_admin' } },
    ]);
    expect(
      (await admin.post('/admin/roles', { identityId: org.ids.approver, role: 'owner' })).status,
    ).toBe(422);
  });
});

describe('developer outbox', () => {
  it('is for super admins in development mode only', async () => {
    const org = await web.seed();
    await web.giveRole(org.ids.superAdmin, 'super_admin');
    await web.startTask(org, await web.policy());
    const admin = await web.signInAs(org.ids.superAdmin);
    const page = await admin.page('/dev/outbox');
    expect(page.response.status).toBe(200);
    expect(page.html).toContain('Access review:');
    expect(page.html).toMatch(/<a href="http:\/\/127\.0\.0\.1:3000\/tasks\/[^"]+">/);

    const reviewer = await web.signInAs(org.ids.manager);
    expect((await reviewer.request('/dev/outbox')).status).toBe(403);

    const production = buildApp(web.db.orm, web.temporal.client, { devMode: false });
    const browser = await signInAs(buildApp(web.db.orm, web.temporal.client), org.ids.superAdmin);
    const cookie = browser.cookies;
    const response = await production.request('/dev/outbox', {
      headers: { cookie: [...cookie].map(([n, v]) => `${n}=${v}`).join('; ') },
    });
    expect(response.status).toBe(404);
  });
});
