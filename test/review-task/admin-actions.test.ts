import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { deleteTask, readTask, sendTaskAction } from '../../runtime/task-client.js';
import {
  cancelUpdate,
  changePolicyUpdate,
  commentUpdate,
  getTaskQuery,
  hardResetUpdate,
  processNowUpdate,
  reassignUpdate,
  restartUpdate,
  sendReminderUpdate,
  skipStepUpdate,
  certifyUpdate,
} from '../../workflows/messages.js';
import {
  outboxMessages,
  publishPolicy,
  seedOrganisation,
  step,
  taskInput,
  type Organisation,
} from '../support/fixtures.js';
import { recordHistory } from '../support/histories.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const { db, temporal, start, until } = useReviewHarness();

async function openTask(
  org: Organisation,
  steps = [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
) {
  const policy = await publishPolicy(db.orm, { steps, revocation: { mode: 'manual' } });
  const handle = await start(taskInput(org, policy));
  await until(handle, (s) => s.assigneeIds.length > 0, 'the first assignment');
  return { handle, policy };
}

function reason(error: unknown) {
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((error as WorkflowUpdateFailedError).cause?.message);
}

const outbox = (recipientId: number) => outboxMessages(db.orm, recipientId);

describe('review task admin and reviewer actions', () => {
  it('reassigns to another identity and notifies both', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    const result = await handle.executeUpdate(reassignUpdate, {
      args: [{ actorId: org.ids.manager, toIdentityId: org.ids.outsider, reason: 'I am on leave' }],
    });
    expect(result.assigneeIds).toEqual([org.ids.outsider]);
    await eventually(
      () => outbox(org.ids.outsider),
      (rows) => rows.some((r) => r.subject.startsWith('Access review')),
      { what: 'the new assignee notice' },
    );
    await eventually(
      () => outbox(org.ids.manager),
      (rows) => rows.some((r) => r.subject.startsWith('Review reassigned')),
      { what: 'the old assignee notice' },
    );
    const error = await handle
      .executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] })
      .catch((e: unknown) => e);
    expect(reason(error)).toContain('not the assignee');
  });

  it('rejects reassigning to the subject', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    const error = await handle
      .executeUpdate(reassignUpdate, {
        args: [{ actorId: org.ids.campaignAdmin, toIdentityId: org.ids.subject, reason: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(reason(error)).toContain('person whose access is under review');
  });

  it('records comments from people who can see the task only', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await handle.executeUpdate(commentUpdate, {
      args: [{ actorId: org.ids.manager, text: 'Checking with HR' }],
    });
    const error = await handle
      .executeUpdate(commentUpdate, { args: [{ actorId: org.ids.outsider, text: 'hi' }] })
      .catch((e: unknown) => e);
    expect(reason(error)).toContain('cannot see');
    const state = await handle.query(getTaskQuery);
    expect(state.log.filter((e) => e.type === 'commented').map((e) => e.comment)).toEqual([
      'Checking with HR',
    ]);
  });

  it('sends a reminder on request', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await handle.executeUpdate(sendReminderUpdate, { args: [{ actorId: org.ids.campaignAdmin }] });
    await eventually(
      () => outbox(org.ids.manager),
      (rows) => rows.some((r) => r.subject.startsWith('Reminder:')),
      { what: 'the reminder' },
    );
  });

  it('limits repair actions to super admins', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    for (const update of [
      skipStepUpdate,
      restartUpdate,
      hardResetUpdate,
      cancelUpdate,
      processNowUpdate,
    ]) {
      const error = await handle
        .executeUpdate(update, { args: [{ actorId: org.ids.campaignAdmin }] })
        .catch((e: unknown) => e);
      expect(reason(error)).toContain(
        'Only the super admins named when this task’s campaign was launched',
      );
    }
    const error = await handle
      .executeUpdate(changePolicyUpdate, {
        args: [{ actorId: org.ids.manager, policyName: 'other' }],
      })
      .catch((e: unknown) => e);
    expect(reason(error)).toContain(
      'Only the super admins named when this task’s campaign was launched',
    );
  });

  it('skips a step to the next reviewer', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await handle.executeUpdate(skipStepUpdate, {
      args: [{ actorId: org.ids.superAdmin, reason: 'manager unavailable' }],
    });
    const state = await until(
      handle,
      (s) => s.stepIndex === 1 && s.assigneeIds.includes(org.ids.appOwner),
      'step 2',
    );
    expect(state.log.find((e) => e.type === 'step_skipped')?.comment).toBe('manager unavailable');
  });

  it('restarts from the first step and keeps the log', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await until(handle, (s) => s.stepIndex === 1 && s.assigneeIds.length > 0, 'step 2');
    const unexplained = await handle
      .executeUpdate(restartUpdate, { args: [{ actorId: org.ids.superAdmin }] })
      .catch((error: unknown) => error);
    expect(reason(unexplained)).toContain('Give a reason to restart a task');
    await handle.executeUpdate(restartUpdate, {
      args: [{ actorId: org.ids.superAdmin, reason: 'wrong manager assigned' }],
    });
    const state = await until(
      handle,
      (s) => s.stepIndex === 0 && s.assigneeIds.includes(org.ids.manager),
      'step 1 again',
    );
    expect(state.log.map((e) => e.type)).toContain('certified');
    expect(state.log.map((e) => e.type)).toContain('restarted');
    expect(state.deciders).toEqual([]);
  });

  it('hard resets onto the latest policy version', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, policy } = await openTask(org);
    const v2 = await publishPolicy(db.orm, {
      name: policy.name,
      steps: [step({ name: 'Owner only', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    expect(v2.version).toBe(2);
    await handle.executeUpdate(hardResetUpdate, {
      args: [{ actorId: org.ids.superAdmin, reason: 'policy v2' }],
    });
    const state = await until(
      handle,
      (s) => s.policy.version === 2 && s.assigneeIds.includes(org.ids.appOwner),
      'the v2 first step',
    );
    expect(state.log.find((e) => e.type === 'hard_reset')?.data).toMatchObject({
      from: { version: 1 },
    });
    expect(state.log.filter((e) => e.type === 'assigned').at(-1)?.policyVersion).toBe(2);
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.appOwner }] });
    await handle.result();
    await recordHistory(handle, 'hard-reset');
  });

  it('changes to another policy', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    const other = await publishPolicy(db.orm, {
      steps: [step({ name: 'Owners', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    await handle.executeUpdate(changePolicyUpdate, {
      args: [{ actorId: org.ids.superAdmin, policyName: other.name, reason: 'owner review' }],
    });
    await until(
      handle,
      (s) => s.policy.name === other.name && s.assigneeIds.includes(org.ids.appOwner),
      'the other policy',
    );
  });

  it('keeps the policy when changing to one that does not exist', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle, policy } = await openTask(org);
    await handle.executeUpdate(changePolicyUpdate, {
      args: [{ actorId: org.ids.superAdmin, policyName: 'no-such-policy', reason: 'typo' }],
    });
    const state = await until(
      handle,
      (s) =>
        s.log.some((e) => e.comment?.includes('not published') ?? false) &&
        s.assigneeIds.length > 0,
      'the fallback',
    );
    expect(state.policy.name).toBe(policy.name);
  });

  it('cancels a task', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await handle.executeUpdate(cancelUpdate, {
      args: [{ actorId: org.ids.superAdmin, reason: 'duplicate' }],
    });
    expect((await handle.result()).status).toBe('canceled');
  });

  it('processes a task now', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    const first = await handle.query(getTaskQuery);
    const before = first.log.filter((e) => e.type === 'assigned').length;
    expect(first.stepDueAt).not.toBeNull();
    await handle.executeUpdate(processNowUpdate, { args: [{ actorId: org.ids.superAdmin }] });
    const after = await until(
      handle,
      (s) =>
        s.log.filter((e) => e.type === 'assigned').length === before + 1 && !s.resolvingReviewers,
      'a fresh assignment',
    );
    expect(after.stepDueAt).toBe(first.stepDueAt);
    expect(after.stepStartedAt).toBe(first.stepStartedAt);
    expect(after.assignedAt).toBe(first.assignedAt);
    await eventually(
      () => outbox(org.ids.manager),
      (rows) => rows.filter((r) => r.subject.startsWith('Access review')).length >= 2,
      { what: 'a second notice' },
    );
  });

  it('records rejected web actions in the audit log', async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    const outcome = await sendTaskAction(
      temporal.client,
      db.orm,
      handle.workflowId,
      { type: 'certify', actorId: org.ids.outsider },
      {
        requestId: `req-${handle.workflowId}`,
        actor: { label: `identity:${org.ids.outsider}` },
      },
    );
    expect(outcome).toMatchObject({ ok: false, kind: 'rejected' });
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ outcome: string; reason: string }[]>(
        `select outcome, reason from audit_event where target_id = ? and action = 'task.certify'`,
        [handle.workflowId],
      );
    expect(rows).toEqual([
      { outcome: 'rejected', reason: 'You are not the assignee of this task.' },
    ]);
  });

  it('deletes a task but keeps its log and the deletion', { timeout: 330_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const { handle } = await openTask(org);
    await until(handle, () => true, 'the task');
    await eventually(
      () =>
        db.orm.em
          .fork()
          .getConnection()
          .execute('select 1 from review_task where id = ?', [handle.workflowId]),
      (rows) => rows.length === 1,
      { what: 'the projection row' },
    );
    await deleteTask(temporal.client, db.orm, handle.workflowId, {
      actor: { label: 'cli:test' },
      reason: 'created by mistake',
      namespace: 'default',
    });
    const db2 = db.orm.em.fork().getConnection();
    expect(
      await db2.execute('select 1 from review_task where id = ?', [handle.workflowId]),
    ).toHaveLength(0);
    const log = await db2.execute<{ type: string; comment: string | null }[]>(
      'select type, comment from task_event where task_id = ? order by seq',
      [handle.workflowId],
    );
    expect(log.length).toBeGreaterThan(1);
    expect(log.at(-1)).toEqual({ type: 'deleted', comment: 'created by mistake' });
    // Pages stop showing the task at once, before Temporal has removed the execution.
    expect((await readTask(temporal.client, db.orm, handle.workflowId)).source).toBe('missing');
    expect(
      await db2.execute(
        `select actor from audit_event where action = 'task.delete' and target_id = ?`,
        [handle.workflowId],
      ),
    ).toEqual([{ actor: 'cli:test' }]);
    // Temporal deletes the execution asynchronously. The dev server took 22 to 89 seconds in
    // four runs of the whole suite, and over 120 seconds once, so the wait is generous.
    await eventually(
      () =>
        handle.describe().then(
          () => 'present',
          (error: unknown) => (error instanceof WorkflowNotFoundError ? 'gone' : String(error)),
        ),
      (outcome) => outcome === 'gone',
      {
        what: 'the execution to be deleted',
        timeoutMs: 300_000,
        intervalMs: 2_000,
      },
    );
  });
});
