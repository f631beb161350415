import { describe, expect, it } from 'vitest';
import type { TaskAction } from './messages.js';
import type { PolicyStep } from './policy.js';
import { assignStep, canSee, reduce } from './task-reducer.js';
import type { ReviewTaskInput, TaskState } from './task-state.js';
import { initialState } from './task-view.js';

const now = new Date('2026-12-01T10:00:00Z');
const ids = { subject: 1, manager: 2, owner: 3, admin: 4, superAdmin: 5, outsider: 6 };

function makeStep(overrides: Partial<PolicyStep> = {}): PolicyStep {
  return {
    name: 'Manager review',
    reviewer: { kind: 'manager' },
    fallbackReviewerEmails: [],
    due: '7d',
    commentRequired: { certify: false, remove: false },
    allowSelfReview: false,
    ...overrides,
  };
}

function task(
  steps: PolicyStep[] = [makeStep(), makeStep({ name: 'Owner review' })],
  assignees = [ids.manager],
): TaskState {
  const input: ReviewTaskInput = {
    taskId: 't1',
    campaignId: 7,
    campaignName: 'Q4',
    subject: {
      grantId: 1,
      applicationId: 1,
      applicationKey: 'github',
      applicationName: 'GitHub',
      resourceId: 1,
      resourceExternalId: 'r',
      resourceName: 'admin',
      resourceType: 'team',
      riskLevel: 'high',
      principalType: 'account',
      accountId: 1,
      accountExternalId: 'a',
      accountName: 'sam',
      subjectIdentityId: ids.subject,
      subjectName: 'Sam',
      inherited: false,
      grantedVia: [],
    },
    policy: {
      name: 'p',
      version: 1,
      definition: { name: 'p', steps, revocation: { mode: 'manual' } },
    },
    campaignOwnerId: ids.admin,
    campaignAdminIds: [],
    superAdminIds: [ids.superAdmin],
  };
  return assignStep(initialState(input, now), assignees, 'rule', now, null);
}

function expectRejected(state: TaskState, action: TaskAction, reason: string) {
  const decision = reduce(state, action, now);
  expect(decision.ok).toBe(false);
  if (!decision.ok) expect(decision.reason).toContain(reason);
}

describe('task reducer', () => {
  it('advances to the next step on certify', () => {
    const decision = reduce(task(), { type: 'certify', actorId: ids.manager }, now);
    expect(decision.ok && decision.state.stepIndex).toBe(1);
    expect(decision.ok && decision.state.resolvingReviewers).toBe(true);
    expect(decision.ok && decision.effects).toEqual([{ kind: 'resolveStep' }]);
  });

  it('closes as certified after the last step', () => {
    const decision = reduce(task([makeStep()]), { type: 'certify', actorId: ids.manager }, now);
    expect(decision.ok && decision.state.status).toBe('certified');
    expect(decision.ok && decision.state.closed).toBe(true);
  });

  it('closes as removed and starts revocation on remove', () => {
    const decision = reduce(task(), { type: 'remove', actorId: ids.manager }, now);
    expect(decision.ok && decision.state.status).toBe('removed');
    expect(decision.ok && decision.effects).toEqual([{ kind: 'startRevocation' }]);
  });

  it('does not mutate the state it is given', () => {
    const state = task();
    const frozen = JSON.stringify(state);
    reduce(state, { type: 'certify', actorId: ids.manager, comment: 'x' }, now);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('rejects a non-assignee', () => {
    expectRejected(task(), { type: 'certify', actorId: ids.outsider }, 'not the assignee');
  });

  it('rejects self-review even when assigned', () => {
    expectRejected(
      task(undefined, [ids.subject]),
      { type: 'certify', actorId: ids.subject },
      'Self-review is not allowed',
    );
  });

  it('allows self-review when the step allows it', () => {
    const state = task([makeStep({ allowSelfReview: true })], [ids.subject]);
    expect(reduce(state, { type: 'certify', actorId: ids.subject }, now).ok).toBe(true);
  });

  it('requires a comment where the step says so', () => {
    const state = task([makeStep({ commentRequired: { certify: true, remove: false } })]);
    expectRejected(
      state,
      { type: 'certify', actorId: ids.manager, comment: ' ' },
      'A comment is required to certify',
    );
    expect(reduce(state, { type: 'remove', actorId: ids.manager }, now).ok).toBe(true);
  });

  it('marks missing input apart from forbidden actions', () => {
    const state = {
      ...task([makeStep({ commentRequired: { certify: true, remove: false } })]),
      repairReasonRequired: true,
    };
    const cases: [TaskAction, boolean][] = [
      [{ type: 'certify', actorId: ids.manager }, true],
      [{ type: 'reassign', actorId: ids.manager, toIdentityId: ids.owner, reason: ' ' }, true],
      [{ type: 'comment', actorId: ids.manager, text: '' }, true],
      [{ type: 'cancel', actorId: ids.superAdmin, reason: '' }, true],
      [{ type: 'certify', actorId: ids.outsider, comment: 'ok' }, false],
      [{ type: 'cancel', actorId: ids.manager, reason: 'duplicate' }, false],
    ];
    for (const [action, invalidInput] of cases) {
      const decision = reduce(state, action, now);
      expect(decision.ok, action.type).toBe(false);
      if (!decision.ok) expect(decision.invalidInput === true, decision.reason).toBe(invalidInput);
    }
  });

  it('rejects a decision made on stale insights', () => {
    const state = { ...task(), insightsVersion: 2 };
    expectRejected(
      state,
      { type: 'certify', actorId: ids.manager, seenInsightsVersion: 1 },
      'insights for this task changed',
    );
  });

  it('rejects decisions while reviewers are being resolved', () => {
    const state = { ...task(), resolvingReviewers: true };
    expectRejected(state, { type: 'certify', actorId: ids.manager }, 'still being assigned');
  });

  it('rejects every reviewer action on a closed task', () => {
    const closed = reduce(task([makeStep()]), { type: 'certify', actorId: ids.manager }, now);
    if (!closed.ok) throw new Error('setup failed');
    expectRejected(closed.state, { type: 'remove', actorId: ids.manager }, 'already closed');
    expectRejected(
      closed.state,
      { type: 'reassign', actorId: ids.admin, toIdentityId: 9, reason: 'x' },
      'already closed',
    );
    expectRejected(closed.state, { type: 'cancel', actorId: ids.superAdmin }, 'already closed');
  });

  it('limits repair actions to super admins', () => {
    for (const type of ['skipStep', 'restart', 'hardReset', 'cancel', 'processNow'] as const) {
      expectRejected(
        task(),
        { type, actorId: ids.admin },
        'Only the super admins named when this task’s campaign was launched',
      );
    }
  });

  it('requires a reason for repairs', () => {
    const strict = { ...task(), repairReasonRequired: true };
    for (const type of ['skipStep', 'restart', 'hardReset', 'cancel'] as const) {
      expectRejected(strict, { type, actorId: ids.superAdmin }, 'Give a reason to');
      expectRejected(strict, { type, actorId: ids.superAdmin, reason: '  ' }, 'Give a reason to');
      expect(reduce(strict, { type, actorId: ids.superAdmin, reason: 'Owner left' }, now).ok).toBe(
        true,
      );
    }
    const change = { type: 'changePolicy' as const, actorId: ids.superAdmin, policyName: 'p' };
    expectRejected(strict, change, 'Give a reason to change a task’s policy');
    // Tasks recorded before the rule accept repairs without a reason, so they replay unchanged.
    expect(reduce(task(), { type: 'cancel', actorId: ids.superAdmin }, now).ok).toBe(true);
  });

  it('rejects an unknown campaign outcome', () => {
    const close = {
      type: 'closeByCampaign',
      actorId: ids.admin,
      outcome: 'maybe',
      reason: 'Campaign ended',
    } as unknown as TaskAction;
    expectRejected(task(), close, 'Unknown outcome "maybe"; use certify, remove, leave_open.');
  });

  it('names a wrong actorId', () => {
    const certify = { type: 'certify', actorId: '5' } as unknown as TaskAction;
    expectRejected(task(), certify, 'actorId must be an identity id (a whole number), got "5".');
    const anonymous = { type: 'certify' } as unknown as TaskAction;
    expectRejected(task(), anonymous, 'The action must name its actor: actorId');
  });

  it('records what the reviewer was shown with the decision', () => {
    const state = {
      ...task(),
      recommendation: {
        kind: 'remove' as const,
        reasons: ['unused for 200 days'],
        ruleVersion: 'r1',
      },
      insightsVersion: 1,
    };
    const decision = reduce(state, { type: 'certify', actorId: ids.manager }, now);
    const entry = decision.ok ? decision.state.log.at(-1) : undefined;
    expect(entry?.data).toMatchObject({
      recommendationOutcome: 'overridden',
      shown: {
        recommendation: { kind: 'remove', reasons: ['unused for 200 days'] },
        insightsVersion: 1,
      },
    });
  });

  it('lets the campaign owner see the task but not an outsider', () => {
    expect(canSee(task(), ids.admin)).toBe(true);
    expect(canSee(task(), ids.outsider)).toBe(false);
  });

  it('lets a former assignee comment after a reassignment', () => {
    const reassigned = reduce(
      task(),
      { type: 'reassign', actorId: ids.admin, toIdentityId: ids.owner, reason: 'leave' },
      now,
    );
    if (!reassigned.ok) throw new Error('setup failed');
    expect(canSee(reassigned.state, ids.manager)).toBe(true);
    expect(
      reduce(
        reassigned.state,
        { type: 'comment', actorId: ids.manager, text: 'context for the new reviewer' },
        now,
      ).ok,
    ).toBe(true);
  });

  it('bumps the version and appends one log entry per accepted action', () => {
    const state = task();
    const decision = reduce(state, { type: 'comment', actorId: ids.manager, text: 'hello' }, now);
    expect(decision.ok && decision.state.version).toBe(state.version + 1);
    expect(decision.ok && decision.state.log.length).toBe(state.log.length + 1);
  });
});
