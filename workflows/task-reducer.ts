/**
 * The one place that decides what an action does to a review task. Update validators, update
 * handlers and signal handlers all call `reduce`, so the web path and the Temporal UI path
 * cannot drift apart. Pure: no I/O, no clock (the caller passes `now`), no mutation of input.
 */
import { actorIdProblem, type TaskAction } from './messages.js';
import type { PolicyStep, PolicyVersion } from './policy.js';
import type { AssignedVia, TaskLogEntry, TaskLogType, TaskState } from './task-state.js';

/** Work the workflow must do after an accepted action, outside the pure reducer. */
export type Effect =
  /** Resolve the current step's reviewers (activity), then assign them. */
  | { kind: 'resolveStep' }
  /** Load a published policy version (activity), then start over at its first step. */
  | { kind: 'loadPolicy'; name: string; version?: number; cause: 'hardReset' | 'changePolicy' }
  | { kind: 'notify'; event: 'assigned' | 'reassigned_away'; recipientIds: number[] }
  | { kind: 'remind'; recipientIds: number[] }
  | { kind: 'startRevocation' }
  | { kind: 'refreshInsights' };

export type Decision =
  | { ok: true; state: TaskState; effects: Effect[] }
  | {
      ok: false;
      reason: string;
      /** True when the input is missing or malformed, rather than forbidden by the state. */
      invalidInput?: boolean;
    };
type Rejection = Decision & { ok: false };

const MAX_COMMENT_LENGTH = 4000;

export function currentStep(state: TaskState): PolicyStep | undefined {
  return state.policy.definition.steps[state.stepIndex];
}

function isSuperAdmin(state: TaskState, actorId: number) {
  return state.superAdminIds.includes(actorId);
}

function isCampaignAdmin(state: TaskState, actorId: number) {
  return (
    state.campaignOwnerId === actorId ||
    state.campaignAdminIds.includes(actorId) ||
    isSuperAdmin(state, actorId)
  );
}

/** Reports whether `actorId` was ever assigned this task, including before a reassignment or escalation. */
function wasAssigned(state: TaskState, actorId: number): boolean {
  return state.log.some((entry) => {
    const data = entry.data ?? {};
    const ids = [data.assigneeIds, data.from, data.to].flatMap((value) =>
      Array.isArray(value) ? value : [],
    );
    return (
      (entry.type === 'assigned' || entry.type === 'reassigned' || entry.type === 'escalated') &&
      ids.includes(actorId)
    );
  });
}

/** Reports whether the actor may see the task: current and former assignees, deciders and administrators. */
export function canSee(state: TaskState, actorId: number): boolean {
  return (
    state.assigneeIds.includes(actorId) ||
    state.deciders.includes(actorId) ||
    isCampaignAdmin(state, actorId) ||
    wasAssigned(state, actorId)
  );
}

function reject(reason: string): Rejection {
  return { ok: false, reason };
}

/** Rejects an action whose input is missing or malformed; the web returns 422 for it. */
function invalid(reason: string): Rejection {
  return { ok: false, reason, invalidInput: true };
}

/** Appends a log entry and bumps the state version on a copy of `state`. */
function record(
  state: TaskState,
  now: Date,
  type: TaskLogType,
  actorId: number | null,
  extra: { comment?: string; data?: Record<string, unknown> } = {},
): TaskState {
  const entry: TaskLogEntry = {
    seq: (state.log.at(-1)?.seq ?? 0) + 1,
    type,
    actorId,
    at: now.toISOString(),
    stepIndex: state.status === 'open' ? state.stepIndex : null,
    policyName: state.policy.name,
    policyVersion: state.policy.version,
    ...(extra.comment ? { comment: extra.comment } : {}),
    ...(extra.data ? { data: extra.data } : {}),
  };
  return { ...state, version: state.version + 1, log: [...state.log, entry] };
}

function trimmed(text: string | undefined): string | undefined {
  const value = text?.trim();
  return value ? value : undefined;
}

/** Moves to `stepIndex` and leaves the step waiting for its reviewers to be resolved. */
function enterStep(state: TaskState, stepIndex: number, now: Date): TaskState {
  return {
    ...state,
    stepIndex,
    assigneeIds: [],
    assignedVia: 'none',
    resolvingReviewers: true,
    stepStartedAt: now.toISOString(),
    stepDueAt: null,
  };
}

function closeAs(
  state: TaskState,
  status: 'certified' | 'removed' | 'canceled' | 'expired',
  now: Date,
): TaskState {
  return {
    ...state,
    status,
    closed: true,
    closedAt: now.toISOString(),
    assigneeIds: [],
    resolvingReviewers: false,
    stepDueAt: null,
  };
}

/** Certify or skip moves to the next step, or closes the task as certified after the last. */
function advance(state: TaskState, now: Date): { state: TaskState; effects: Effect[] } {
  const next = state.stepIndex + 1;
  if (next >= state.policy.definition.steps.length) {
    return { state: closeAs(state, 'certified', now), effects: [] };
  }
  return { state: enterStep(state, next, now), effects: [{ kind: 'resolveStep' }] };
}

function decisionChecks(
  state: TaskState,
  action: TaskAction & { type: 'certify' | 'remove' },
): Rejection | undefined {
  const problem = decisionProblem(state, action);
  if (problem) return reject(problem);
  const step = currentStep(state);
  if ((action.comment?.length ?? 0) > MAX_COMMENT_LENGTH) {
    return invalid(`The comment is longer than ${MAX_COMMENT_LENGTH} characters.`);
  }
  if (step?.commentRequired[action.type] && !trimmed(action.comment)) {
    return invalid(`A comment is required to ${action.type} at step "${step.name}".`);
  }
  if (
    action.seenInsightsVersion !== undefined &&
    action.seenInsightsVersion < state.insightsVersion
  ) {
    return reject(
      'The insights for this task changed after your page loaded; reload the task and decide again.',
    );
  }
  return undefined;
}

/** Returns why the state forbids this decision by this actor, if it does. */
function decisionProblem(state: TaskState, action: TaskAction & { type: 'certify' | 'remove' }) {
  if (state.closed)
    return `The task is already closed (${state.status}); no more decisions are accepted.`;
  if (state.resolvingReviewers) {
    return 'The reviewers of this step are still being assigned; try again in a moment.';
  }
  if (!state.assigneeIds.includes(action.actorId)) {
    if (state.deciders.includes(action.actorId)) {
      return 'You already decided an earlier step; the task has moved on to the next reviewer.';
    }
    return 'You are not the assignee of this task.';
  }
  const step = currentStep(state);
  if (!step) return 'The task has no current step.';
  if (action.actorId === state.subject.subjectIdentityId && !step.allowSelfReview) {
    return 'Self-review is not allowed: you cannot decide on your own access.';
  }
  return undefined;
}

/** Builds the record of what the reviewer saw when deciding, kept with the decision for auditors. */
function provenance(state: TaskState, decision: 'certify' | 'remove', now: Date) {
  const kind = state.recommendation?.kind ?? 'none';
  let recommendationOutcome = 'no_recommendation';
  if (kind === 'remove') recommendationOutcome = decision === 'remove' ? 'followed' : 'overridden';
  if (kind === 'closer_look') recommendationOutcome = 'closer_look_shown';
  return {
    shown: {
      insights: state.insights ?? null,
      recommendation: state.recommendation ?? null,
      insightsVersion: state.insightsVersion,
      instructionsRevision: state.instructionsRevision,
    },
    recommendationOutcome,
    secondsSinceAssigned: Math.max(
      0,
      Math.round((now.getTime() - Date.parse(state.assignedAt ?? state.stepStartedAt)) / 1000),
    ),
  };
}

/**
 * Applies `action` to `state` at time `now`: returns the new state and the effects to run, or
 * the reason the action is rejected. Never mutates `state`.
 */
export function reduce(state: TaskState, action: TaskAction, now: Date): Decision {
  const actorProblem = actorIdProblem(action.actorId);
  if (actorProblem) return invalid(actorProblem);

  switch (action.type) {
    case 'certify':
    case 'remove': {
      const problem = decisionChecks(state, action);
      if (problem) return problem;
      const data = provenance(state, action.type, now);
      let next = record(
        state,
        now,
        action.type === 'certify' ? 'certified' : 'removed',
        action.actorId,
        {
          comment: trimmed(action.comment),
          data,
        },
      );
      next = { ...next, deciders: [...next.deciders, action.actorId] };
      if (action.type === 'remove') {
        return {
          ok: true,
          state: closeAs(next, 'removed', now),
          effects: [{ kind: 'startRevocation' }],
        };
      }
      const advanced = advance(next, now);
      return { ok: true, ...advanced };
    }

    case 'reassign': {
      if (state.closed)
        return reject(`The task is already closed (${state.status}); it cannot be reassigned.`);
      if (!state.assigneeIds.includes(action.actorId) && !isCampaignAdmin(state, action.actorId)) {
        return reject(
          'Only the current assignee or a campaign administrator can reassign this task.',
        );
      }
      if (!Number.isInteger(action.toIdentityId))
        return invalid('Choose the identity to reassign to.');
      const step = currentStep(state);
      if (action.toIdentityId === state.subject.subjectIdentityId && !step?.allowSelfReview) {
        return reject('A task cannot be reassigned to the person whose access is under review.');
      }
      if (state.assigneeIds.length === 1 && state.assigneeIds[0] === action.toIdentityId) {
        return reject('The task is already assigned to that identity.');
      }
      const reason = trimmed(action.reason);
      if (!reason) return invalid('Give a reason for the reassignment.');
      const previous = state.assigneeIds.filter((id) => id !== action.toIdentityId);
      let next = record(state, now, 'reassigned', action.actorId, {
        comment: reason,
        data: { from: state.assigneeIds, to: [action.toIdentityId] },
      });
      next = {
        ...next,
        assigneeIds: [action.toIdentityId],
        assignedVia: 'reassigned',
        assignedAt: now.toISOString(),
        resolvingReviewers: false,
      };
      const effects: Effect[] = [
        { kind: 'notify', event: 'assigned', recipientIds: [action.toIdentityId] },
      ];
      if (previous.length)
        effects.push({ kind: 'notify', event: 'reassigned_away', recipientIds: previous });
      return { ok: true, state: next, effects };
    }

    case 'comment': {
      // The people a removal waits for (approvers, owners removing it by hand) may comment too.
      const waitedFor = state.revocation?.waitingFor?.includes(action.actorId) ?? false;
      if (!canSee(state, action.actorId) && !waitedFor)
        return reject('You cannot comment on a task you cannot see.');
      const text = trimmed(action.text);
      if (!text) return invalid('The comment is empty.');
      if (text.length > MAX_COMMENT_LENGTH)
        return invalid(`The comment is longer than ${MAX_COMMENT_LENGTH} characters.`);
      return {
        ok: true,
        state: record(state, now, 'commented', action.actorId, { comment: text }),
        effects: [],
      };
    }

    case 'sendReminder': {
      if (state.closed)
        return reject(`The task is already closed (${state.status}); there is nobody to remind.`);
      if (!canSee(state, action.actorId))
        return reject('You cannot send a reminder for a task you cannot see.');
      if (state.assigneeIds.length === 0) return reject('The task has no assignee to remind yet.');
      return {
        ok: true,
        state: record(state, now, 'reminder_requested', action.actorId, {
          data: { to: state.assigneeIds },
        }),
        effects: [{ kind: 'remind', recipientIds: state.assigneeIds }],
      };
    }

    case 'skipStep':
    case 'restart':
    case 'hardReset':
    case 'changePolicy':
    case 'cancel': {
      if (!isSuperAdmin(state, action.actorId)) return reject(notListedSuperAdmin(action.type));
      if (state.closed)
        return reject(
          `The task is already closed (${state.status}); ${describe(action.type)} works on open tasks only.`,
        );
      const reason = trimmed(action.reason);
      if (state.repairReasonRequired && !reason)
        return invalid(
          `Give a reason to ${describe(action.type)}; it is kept in the task log as evidence.`,
        );
      if (action.type === 'cancel') {
        const next = record(state, now, 'canceled', action.actorId, { comment: reason });
        return { ok: true, state: closeAs(next, 'canceled', now), effects: [] };
      }
      if (action.type === 'skipStep') {
        const next = record(state, now, 'step_skipped', action.actorId, { comment: reason });
        return { ok: true, ...advance(next, now) };
      }
      if (action.type === 'restart') {
        let next = record(state, now, 'restarted', action.actorId, { comment: reason });
        next = { ...enterStep(next, 0, now), deciders: [] };
        return { ok: true, state: next, effects: [{ kind: 'resolveStep' }] };
      }
      if (
        action.type === 'hardReset' &&
        action.onlyIfBelowVersion !== undefined &&
        state.policy.version >= action.onlyIfBelowVersion
      ) {
        return reject(
          `The task is already on ${state.policy.name} v${state.policy.version}; no reset needed.`,
        );
      }
      if (action.type === 'changePolicy' && !trimmed(action.policyName)) {
        return invalid('Name the policy to change to.');
      }
      const target =
        action.type === 'hardReset'
          ? { name: state.policy.name, version: undefined }
          : { name: action.policyName.trim(), version: action.policyVersion };
      let next = record(
        state,
        now,
        action.type === 'hardReset' ? 'hard_reset' : 'policy_changed',
        action.actorId,
        {
          comment: reason,
          data: { from: { name: state.policy.name, version: state.policy.version }, to: target },
        },
      );
      next = { ...enterStep(next, 0, now), deciders: [] };
      return {
        ok: true,
        state: next,
        effects: [
          { kind: 'loadPolicy', name: target.name, version: target.version, cause: action.type },
        ],
      };
    }

    case 'processNow': {
      if (!isSuperAdmin(state, action.actorId)) return reject(notListedSuperAdmin('processNow'));
      const next = record(state, now, 'processed', action.actorId);
      const effects: Effect[] = [{ kind: 'refreshInsights' }];
      if (!next.closed) effects.unshift({ kind: 'resolveStep' });
      return {
        ok: true,
        state: state.closed ? next : { ...next, resolvingReviewers: true },
        effects,
      };
    }

    case 'closeByCampaign': {
      if (!isCampaignAdmin(state, action.actorId)) {
        return reject('Only a campaign administrator can close this task for the campaign.');
      }
      if (state.closed) return reject(`The task is already closed (${state.status}).`);
      if (!CAMPAIGN_OUTCOMES.includes(action.outcome))
        return invalid(
          `Unknown outcome ${JSON.stringify(action.outcome)}; use ${CAMPAIGN_OUTCOMES.join(', ')}.`,
        );
      const next = record(state, now, 'closed_by_campaign', action.actorId, {
        comment: trimmed(action.reason),
        data: {
          outcome: action.outcome,
          // The reviewers who had not decided, kept because closing clears the assignees.
          assigneeIds: state.assigneeIds,
          recommendation: state.recommendation ?? null,
          insights: state.insights ?? null,
          insightsVersion: state.insightsVersion,
        },
      });
      if (action.outcome === 'certify')
        return { ok: true, state: closeAs(next, 'certified', now), effects: [] };
      if (action.outcome === 'remove') {
        return {
          ok: true,
          state: closeAs(next, 'removed', now),
          effects: [{ kind: 'startRevocation' }],
        };
      }
      return { ok: true, state: closeAs(next, 'expired', now), effects: [] };
    }
  }
}

const CAMPAIGN_OUTCOMES: unknown[] = ['certify', 'remove', 'leave_open'];

type RepairType = 'skipStep' | 'restart' | 'hardReset' | 'changePolicy' | 'cancel' | 'processNow';

function describe(type: RepairType) {
  return {
    skipStep: 'skip a step',
    restart: 'restart a task',
    hardReset: 'hard-reset a task',
    changePolicy: 'change a task’s policy',
    cancel: 'cancel a task',
    processNow: 'process a task now',
  }[type];
}

/**
 * Explains a repair rejected for its actor. A task keeps the super admins of its campaign's
 * launch, so someone given the role later is rejected too, and the message explains why.
 */
function notListedSuperAdmin(type: RepairType): string {
  return `Only the super admins named when this task’s campaign was launched can ${describe(type)}. Someone given the role later cannot repair tasks launched before.`;
}

// System transitions: the workflow applies these after its activities and timers.

/**
 * Assigns the current step to the resolved reviewers. When no reviewer is found, the step stays open
 * with no assignee, visible to administrators, who can reassign it.
 */
export function assignStep(
  state: TaskState,
  assigneeIds: number[],
  via: AssignedVia,
  now: Date,
  dueAt: Date | null,
  reason?: string,
): TaskState {
  const next = record(state, now, 'assigned', null, {
    ...(reason ? { comment: reason } : {}),
    data: { assigneeIds, via, step: currentStep(state)?.name ?? null },
  });
  return {
    ...next,
    assigneeIds,
    assignedVia: via,
    resolvingReviewers: false,
    stepStartedAt: now.toISOString(),
    assignedAt: now.toISOString(),
    stepDueAt: dueAt ? dueAt.toISOString() : null,
  };
}

/** Replaces the task's policy after hardReset or changePolicy, keeping it at step 0. */
export function replacePolicy(state: TaskState, policy: PolicyVersion): TaskState {
  return { ...state, policy, version: state.version + 1 };
}

/** Records a system event (reminder sent, escalation, revocation progress) in the log. */
export function recordSystem(
  state: TaskState,
  now: Date,
  type: TaskLogType,
  data?: Record<string, unknown>,
  comment?: string,
): TaskState {
  return record(state, now, type, null, {
    ...(data ? { data } : {}),
    ...(comment ? { comment } : {}),
  });
}

/**
 * Records revocation progress under its actor: the approver, or the person who marked the
 * removal as provisioned. Connector progress has no actor and becomes a system entry.
 */
export function recordRevocationProgress(
  state: TaskState,
  now: Date,
  progress: { status: string; detail?: string; actorId?: number | null; comment?: string },
): TaskState {
  return record(state, now, 'revocation_updated', progress.actorId ?? null, {
    data: { status: progress.status, detail: progress.detail ?? null },
    ...(progress.comment ? { comment: progress.comment } : {}),
  });
}

/** Hands an overdue step to its escalation targets. */
export function escalate(state: TaskState, targetIds: number[], now: Date): TaskState {
  const next = record(state, now, 'escalated', null, {
    data: { from: state.assigneeIds, to: targetIds },
  });
  return {
    ...next,
    assigneeIds: targetIds,
    assignedVia: 'escalated',
    assignedAt: now.toISOString(),
  };
}

/** Records an action that a signal handler rejected; updates are rejected in their validator. */
export function recordRejected(
  state: TaskState,
  action: TaskAction,
  reason: string,
  now: Date,
): TaskState {
  // A signal without a valid actorId is logged without an actor, and its reason quotes the value sent.
  const actorId = Number.isInteger(action.actorId) ? action.actorId : null;
  return record(state, now, 'rejected', actorId, { data: { action: action.type, reason } });
}
