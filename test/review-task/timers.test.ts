import { describe, expect, it } from 'vitest';
import { certifyUpdate, getTaskQuery } from '../../workflows/messages.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const { db, start, until } = useReviewHarness();

async function reminderCount(recipientId: number) {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>(
      `select count(*) as n from outbox_message where recipient_identity_id = ? and subject like 'Reminder:%'`,
      [recipientId],
    );
  return Number(rows[0]!.n);
}

describe('review task timers', () => {
  it('reminds on the cadence and stops after the decision', { timeout: 90_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step({ remindEvery: '2s' })],
      revocation: { mode: 'manual' },
    });
    const handle = await start(taskInput(org, policy));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');

    await eventually(
      () => reminderCount(org.ids.manager),
      (n) => n >= 2,
      { what: 'two reminders', timeoutMs: 30_000 },
    );
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await handle.result();
    const afterDecision = await reminderCount(org.ids.manager);
    // Wait more than two cadences; no reminder may follow the decision.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await reminderCount(org.ids.manager)).toBe(afterDecision);
    const state = await handle.query(getTaskQuery);
    expect(state.log.filter((e) => e.type === 'reminded').length).toBeGreaterThanOrEqual(2);
  });

  it('sends one digest per reviewer per cadence for many tasks', { timeout: 90_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step({ remindEvery: '4s' })],
      revocation: { mode: 'manual' },
    });
    const campaignId = Math.floor(Math.random() * 1e9);
    const handles = await Promise.all(
      [0, 1, 2].map(() =>
        start(taskInput(org, policy, { campaignId, campaignName: 'Digest campaign' })),
      ),
    );
    for (const handle of handles)
      await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const rows = await eventually(
      () =>
        db.orm.em
          .fork()
          .getConnection()
          .execute<{ subject: string; body: string }[]>(
            `select subject, body from outbox_message where recipient_identity_id = ? and subject like 'Reminder:%' order by id`,
            [org.ids.manager],
          ),
      (found) => found.length >= 1,
      { what: 'a digest', timeoutMs: 30_000 },
    );
    // Three tasks share one cadence window, so the first digest lists all three.
    expect(rows[0]!.subject).toContain('3 access reviews');
    for (const handle of handles) expect(rows[0]!.body).toContain(handle.workflowId);
    for (const handle of handles)
      await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
  });

  it('escalates an overdue step to its escalation target', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step({ due: '3s', escalateToEmails: [org.emails.fallback] })],
      revocation: { mode: 'manual' },
    });
    const handle = await start(taskInput(org, policy));
    const state = await until(handle, (s) => s.assignedVia === 'escalated', 'the escalation');
    expect(state.assigneeIds).toEqual([org.ids.fallback]);
    await eventually(
      () =>
        db.orm.em
          .fork()
          .getConnection()
          .execute<{ subject: string }[]>(
            'select subject from outbox_message where recipient_identity_id = ?',
            [org.ids.fallback],
          ),
      (rows) => rows.some((r) => r.subject.startsWith('Overdue access review escalated')),
      { what: 'the escalation notice' },
    );
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.fallback }] });
    expect((await handle.result()).status).toBe('certified');
  });
});
