import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { certifyUpdate, getTaskQuery, removeUpdate } from '../../workflows/messages.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { connectorFor, useFakeWebhook } from '../support/fake-webhook.js';
import { recordHistory } from '../support/histories.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';
import { taskSearchAttributeKeys } from '../../workflows/search-attributes.js';

const webhook = useFakeWebhook();
const { db, start, until } = useReviewHarness({
  connectors: () => [connectorFor(webhook)],
});

async function twoStepPolicy(
  revocation: Parameters<typeof publishPolicy>[1]['revocation'] = {
    mode: 'automatic',
    connector: 'hook',
  },
) {
  return publishPolicy(db.orm, {
    steps: [
      step({ name: 'Manager review' }),
      step({ name: 'Owner review', reviewer: { kind: 'application_owner' } }),
    ],
    revocation,
  });
}

function rejectionMessage(error: unknown): string {
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((error as WorkflowUpdateFailedError).cause?.message);
}

describe('review task decisions', () => {
  it('certifies through both steps of a two-step policy', async () => {
    const org = await seedOrganisation(db.orm);
    const handle = await start(taskInput(org, await twoStepPolicy()));

    await until(
      handle,
      (s) => s.assigneeIds.includes(org.ids.manager),
      'the manager to be assigned',
    );
    const afterFirst = await handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: org.ids.manager, comment: 'still on the team' }],
    });
    expect(afterFirst.stepIndex).toBe(1);

    const assigned = await until(
      handle,
      (s) => s.assigneeIds.includes(org.ids.appOwner),
      'the application owner to be assigned',
    );
    // A decision that arrives while the assignment's own projection write is still running
    // is applied at once, but its closing row follows that write. Wait for it first.
    await eventually(
      () =>
        db.orm.em
          .fork()
          .getConnection()
          .execute<{ state_version: number }[]>(
            'select state_version from review_task where id = ?',
            [handle.workflowId],
          ),
      ([row]) => (row?.state_version ?? -1) >= assigned.version,
      { what: 'the assignment to be projected' },
    );
    const afterSecond = await handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: org.ids.appOwner }],
    });
    expect(afterSecond.status).toBe('certified');
    // The worker writes the closing row before it reports the workflow task that completes the
    // update, so lists read it at once.
    const closedRow = await db.orm.em
      .fork()
      .getConnection()
      .execute('select status, state_version from review_task where id = ?', [handle.workflowId]);
    expect(closedRow).toEqual([{ status: 'certified', state_version: afterSecond.version }]);
    // The history keeps the entries of that write in the workflow's result.
    const outcome = await handle.result();
    expect(outcome.status).toBe('certified');
    expect(outcome.closedLog?.map((e) => [e.type, e.actorId])).toEqual([
      ['certified', org.ids.appOwner],
    ]);

    const state = await handle.query(getTaskQuery);
    expect(state.log.map((e) => e.type)).toEqual([
      'started',
      'assigned',
      'certified',
      'assigned',
      'certified',
    ]);
    expect(state.log[2]).toMatchObject({
      actorId: org.ids.manager,
      stepIndex: 0,
      comment: 'still on the team',
      policyVersion: 1,
    });

    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute('select status, state_version from review_task where id = ?', [handle.workflowId]);
    expect(rows).toEqual([{ status: 'certified', state_version: state.version }]);
    const events = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: number; type: string }[]>(
        'select seq, type from task_event where task_id = ? order by seq',
        [handle.workflowId],
      );
    expect(events.map((e) => e.type)).toEqual(state.log.map((e) => e.type));
    await recordHistory(handle, 'two-step-certify');
  });

  it('stops at the first remove and revokes once', async () => {
    const org = await seedOrganisation(db.orm);
    const handle = await start(taskInput(org, await twoStepPolicy()));
    await until(handle, (s) => s.assigneeIds.length > 0, 'the first step to be assigned');
    const result = await handle.executeUpdate(removeUpdate, {
      args: [{ actorId: org.ids.manager, comment: 'left the team' }],
    });
    expect(result.status).toBe('removed');

    const outcome = await handle.result();
    expect(outcome.status).toBe('removed');
    expect(outcome.revocation?.status).toBe('revoked');
    const state = await handle.query(getTaskQuery);
    expect(state.log.filter((e) => e.type === 'assigned')).toHaveLength(1);
    expect(webhook.applied.filter((key) => key === `revoke:${handle.workflowId}`)).toHaveLength(1);
    expect(state.revocation?.status).toBe('revoked');
  });

  it('rejects a certify from someone who is not the assignee', async () => {
    const org = await seedOrganisation(db.orm);
    const handle = await start(taskInput(org, await twoStepPolicy()));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const error = await handle
      .executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.outsider }] })
      .catch((e: unknown) => e);
    expect(rejectionMessage(error)).toContain('not the assignee');
  });

  it('rejects a decision without a required comment', async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step({ commentRequired: { certify: false, remove: true } })],
      revocation: { mode: 'manual' },
    });
    const handle = await start(taskInput(org, policy));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const error = await handle
      .executeUpdate(removeUpdate, { args: [{ actorId: org.ids.manager, comment: '  ' }] })
      .catch((e: unknown) => e);
    expect(rejectionMessage(error)).toContain('A comment is required to remove');
    expect((await handle.query(getTaskQuery)).status).toBe('open');
  });

  it('rejects decisions on a closed task', async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const handle = await start(taskInput(org, policy));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    const error = await handle
      .executeUpdate(removeUpdate, { args: [{ actorId: org.ids.manager }] })
      .catch((e: unknown) => e);
    // A closing certify completes the workflow in the same workflow task. The server itself
    // then rejects the second update, as completed or as aborted by the closing workflow when
    // it admitted the update first. The web layer reports either as a closed task.
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect((error as WorkflowNotFoundError).message).toMatch(
      /already completed|aborted by closing workflow/,
    );
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('never assigns the subject their own access', async () => {
    const org = await seedOrganisation(db.orm, { subjectManagerIsSelf: true });
    const policy = await publishPolicy(db.orm, {
      steps: [step({ fallbackReviewerEmails: [org.emails.fallback] })],
      revocation: { mode: 'manual' },
    });
    const handle = await start(taskInput(org, policy));
    const state = await until(handle, (s) => !s.resolvingReviewers, 'assignment');
    expect(state.assigneeIds).toEqual([org.ids.fallback]);
    expect(state.assignedVia).toBe('fallback');
    expect(state.log.find((e) => e.type === 'assigned')?.comment).toContain(
      'found only the subject',
    );

    const error = await handle
      .executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.subject }] })
      .catch((e: unknown) => e);
    expect(rejectionMessage(error)).toContain('not the assignee');
  });

  it('applies exactly one of two concurrent certify updates', async () => {
    const org = await seedOrganisation(db.orm);
    const handle = await start(taskInput(org, await twoStepPolicy()));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const results = await Promise.allSettled([
      handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] }),
      handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] }),
    ]);
    const applied = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(applied).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejectionMessage((rejected[0] as PromiseRejectedResult).reason)).toMatch(
      /already decided|being assigned/,
    );
    const state = await handle.query(getTaskQuery);
    expect(state.log.filter((e) => e.type === 'certified')).toHaveLength(1);
  });

  it('applies a retried update with the same id once', async () => {
    const org = await seedOrganisation(db.orm);
    const handle = await start(taskInput(org, await twoStepPolicy()));
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    const first = await handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: org.ids.manager }],
      updateId: 'request-1',
    });
    const again = await handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: org.ids.manager }],
      updateId: 'request-1',
    });
    expect(again).toEqual(first);
    const state = await handle.query(getTaskQuery);
    expect(state.log.filter((e) => e.type === 'certified')).toHaveLength(1);
  });
});

describe('review task in the Temporal UI', () => {
  it('carries a summary, current details and search attributes', async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const input = taskInput(org, policy, { campaignId: 42 });
    const handle = await start(input);
    await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');

    const attributes = await eventually(
      async () => (await handle.describe()).typedSearchAttributes,
      (sa) => sa.get(taskSearchAttributeKeys.assignee) === String(org.ids.manager),
      { what: 'the assignee search attribute' },
    );
    expect(attributes.get(taskSearchAttributeKeys.campaignId)).toBe('42');
    expect(attributes.get(taskSearchAttributeKeys.status)).toBe('open');
    expect(attributes.get(taskSearchAttributeKeys.application)).toBe(org.subject.applicationKey);
    expect(attributes.get(taskSearchAttributeKeys.policy)).toBe(policy.name);
    expect(attributes.get(taskSearchAttributeKeys.policyVersion)).toBe(1);

    const description = await handle.describe();
    const summary = await description.staticSummary();
    expect(summary).toContain(org.subject.subjectName);
    expect(summary).toContain(org.subject.resourceName);
    expect(summary).toContain(org.subject.applicationName);
    const details = await handle
      .query<string>('__temporal_workflow_metadata')
      .catch(() => undefined);
    expect(JSON.stringify(details)).toContain(`identity ${org.ids.manager}`);

    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await eventually(
      async () =>
        (await handle.describe()).typedSearchAttributes.get(taskSearchAttributeKeys.status),
      (status) => status === 'certified',
      { what: 'the status search attribute' },
    );
  });
});
