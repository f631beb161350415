/**
 * Every message a review task accepts. Each action is a signal (for the Temporal UI and
 * `temporal workflow signal`) and an update with a validator (for the web, which learns at
 * once whether it was applied). The wire name is the constant's name without its suffix, and
 * every input names its actor by identity id.
 */
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RevocationStatus, TaskState } from './task-state.js';

/** Fields every action carries. */
export interface ActorInput {
  /** Identity id of the person acting. */
  actorId: number;
}

export interface DecisionInput extends ActorInput {
  comment?: string;
  /**
   * The insights version the reviewer's page showed; when given and older than the task's,
   * the decision is rejected so nobody decides on facts they did not see.
   */
  seenInsightsVersion?: number;
}
export interface ReassignInput extends ActorInput {
  toIdentityId: number;
  reason: string;
}
export interface CommentInput extends ActorInput {
  text: string;
}
export interface ReasonInput extends ActorInput {
  reason?: string;
}
export interface HardResetInput extends ReasonInput {
  /**
   * Apply only while the task's policy version is below this one; batch resets set it to the
   * latest version, so a task already moved (or listed twice) is not reset again.
   */
  onlyIfBelowVersion?: number;
}
export interface ChangePolicyInput extends ActorInput {
  policyName: string;
  /** A published version; the latest when omitted. */
  policyVersion?: number;
  reason?: string;
}
export interface CloseByCampaignInput extends ActorInput {
  /** What the campaign's no-response rule decided for this still-open task. */
  outcome: 'certify' | 'remove' | 'leave_open';
  reason: string;
}

/** Explains why `actorId` does not name an identity, or returns undefined when it does. */
export function actorIdProblem(actorId: unknown): string | undefined {
  if (Number.isInteger(actorId)) return undefined;
  if (actorId === undefined || actorId === null)
    return 'The action must name its actor: actorId, the identity id of the person acting.';
  return `actorId must be an identity id (a whole number), got ${JSON.stringify(actorId)}.`;
}

/** One action on a task, as the reducer sees it. */
export type TaskAction =
  | ({ type: 'certify' } & DecisionInput)
  | ({ type: 'remove' } & DecisionInput)
  | ({ type: 'reassign' } & ReassignInput)
  | ({ type: 'comment' } & CommentInput)
  | ({ type: 'sendReminder' } & ActorInput)
  | ({ type: 'skipStep' } & ReasonInput)
  | ({ type: 'restart' } & ReasonInput)
  | ({ type: 'hardReset' } & HardResetInput)
  | ({ type: 'changePolicy' } & ChangePolicyInput)
  | ({ type: 'cancel' } & ReasonInput)
  | ({ type: 'processNow' } & ActorInput)
  | ({ type: 'closeByCampaign' } & CloseByCampaignInput);

export type TaskActionType = TaskAction['type'];

/** What an accepted update returns: enough for the web to redraw the task row. */
export interface ActionResult {
  status: TaskState['status'];
  stepIndex: number;
  assigneeIds: number[];
  version: number;
}

export const certifySignal = defineSignal<[DecisionInput]>('certify');
export const removeSignal = defineSignal<[DecisionInput]>('remove');
export const reassignSignal = defineSignal<[ReassignInput]>('reassign');
export const commentSignal = defineSignal<[CommentInput]>('comment');
export const sendReminderSignal = defineSignal<[ActorInput]>('sendReminder');
export const skipStepSignal = defineSignal<[ReasonInput]>('skipStep');
export const restartSignal = defineSignal<[ReasonInput]>('restart');
export const hardResetSignal = defineSignal<[HardResetInput]>('hardReset');
export const changePolicySignal = defineSignal<[ChangePolicyInput]>('changePolicy');
export const cancelSignal = defineSignal<[ReasonInput]>('cancel');
export const processNowSignal = defineSignal<[ActorInput]>('processNow');
export const closeByCampaignSignal = defineSignal<[CloseByCampaignInput]>('closeByCampaign');

export const certifyUpdate = defineUpdate<ActionResult, [DecisionInput]>('certify');
export const removeUpdate = defineUpdate<ActionResult, [DecisionInput]>('remove');
export const reassignUpdate = defineUpdate<ActionResult, [ReassignInput]>('reassign');
export const commentUpdate = defineUpdate<ActionResult, [CommentInput]>('comment');
export const sendReminderUpdate = defineUpdate<ActionResult, [ActorInput]>('sendReminder');
export const skipStepUpdate = defineUpdate<ActionResult, [ReasonInput]>('skipStep');
export const restartUpdate = defineUpdate<ActionResult, [ReasonInput]>('restart');
export const hardResetUpdate = defineUpdate<ActionResult, [HardResetInput]>('hardReset');
export const changePolicyUpdate = defineUpdate<ActionResult, [ChangePolicyInput]>('changePolicy');
export const cancelUpdate = defineUpdate<ActionResult, [ReasonInput]>('cancel');
export const processNowUpdate = defineUpdate<ActionResult, [ActorInput]>('processNow');
export const closeByCampaignUpdate = defineUpdate<ActionResult, [CloseByCampaignInput]>(
  'closeByCampaign',
);

/** Signal and update definitions by action type, so handlers are registered in one loop. */
export const taskMessages = {
  certify: { signal: certifySignal, update: certifyUpdate },
  remove: { signal: removeSignal, update: removeUpdate },
  reassign: { signal: reassignSignal, update: reassignUpdate },
  comment: { signal: commentSignal, update: commentUpdate },
  sendReminder: { signal: sendReminderSignal, update: sendReminderUpdate },
  skipStep: { signal: skipStepSignal, update: skipStepUpdate },
  restart: { signal: restartSignal, update: restartUpdate },
  hardReset: { signal: hardResetSignal, update: hardResetUpdate },
  changePolicy: { signal: changePolicySignal, update: changePolicyUpdate },
  cancel: { signal: cancelSignal, update: cancelUpdate },
  processNow: { signal: processNowSignal, update: processNowUpdate },
  closeByCampaign: { signal: closeByCampaignSignal, update: closeByCampaignUpdate },
} as const;

/**
 * One line per action for `temporal workflow metadata` and the Temporal UI: the input, and who
 * may send it. docs/operations.md has the full table.
 */
export const taskMessageDescriptions: Record<TaskActionType, string> = {
  certify: 'Certify the grant at the current step. {"actorId", "comment"?}; a current assignee.',
  remove:
    'Remove the grant: closes the review and starts the revocation. {"actorId", "comment"?}; a current assignee.',
  reassign:
    'Give the step to another identity. {"actorId", "toIdentityId", "reason"}; an assignee or a campaign admin.',
  comment: 'Add a comment to the task log. {"actorId", "text"}; anyone who can see the task.',
  sendReminder: 'Remind the assignees. {"actorId"}; anyone who can see the task.',
  skipStep:
    'Count the current step as certified (closes the task after the last step). {"actorId", "reason"}; a super admin of the task.',
  restart: 'Go back to the first step. {"actorId", "reason"}; a super admin of the task.',
  hardReset:
    'Move to the latest policy version and the first step. {"actorId", "reason", "onlyIfBelowVersion"?}; a super admin of the task.',
  changePolicy:
    'Move to another published policy and the first step. {"actorId", "policyName", "policyVersion"?, "reason"}; a super admin of the task.',
  cancel: 'Close the task as canceled. {"actorId", "reason"}; a super admin of the task.',
  processNow:
    'Resolve the reviewers and refresh insights again; keeps the due time. {"actorId"}; a super admin of the task.',
  closeByCampaign:
    'Close the task by the campaign’s no-response rule. {"actorId", "outcome": certify | remove | leave_open, "reason"}; a campaign admin.',
};

export const getTaskQuery = defineQuery<TaskState>('getTask');

/** Failure type of an action whose input is missing or malformed (the web returns 422). */
export const INVALID_ACTION_INPUT = 'InvalidActionInput';
/** Failure type of an action the task's state or the actor's role forbids (the web returns 409). */
export const ACTION_REJECTED = 'ActionRejected';

/** Builds the failure a validator throws for a rejected action, typed by its cause. */
export function rejectionFailure(rejection: {
  reason: string;
  invalidInput?: boolean;
}): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    rejection.reason,
    rejection.invalidInput ? INVALID_ACTION_INPUT : ACTION_REJECTED,
  );
}

// Revocation child workflow: approval, manual provisioning, and a failed removal's follow-up.

export interface RevocationDecisionInput extends ActorInput {
  comment?: string;
}

export const approveRevocationSignal = defineSignal<[RevocationDecisionInput]>('approveRevocation');
export const denyRevocationSignal = defineSignal<[RevocationDecisionInput]>('denyRevocation');
export const markProvisionedSignal = defineSignal<[RevocationDecisionInput]>('markProvisioned');
export const retryRevocationSignal = defineSignal<[RevocationDecisionInput]>('retryRevocation');
export const approveRevocationUpdate = defineUpdate<RevocationStateView, [RevocationDecisionInput]>(
  'approveRevocation',
);
export const denyRevocationUpdate = defineUpdate<RevocationStateView, [RevocationDecisionInput]>(
  'denyRevocation',
);
export const markProvisionedUpdate = defineUpdate<RevocationStateView, [RevocationDecisionInput]>(
  'markProvisioned',
);
export const retryRevocationUpdate = defineUpdate<RevocationStateView, [RevocationDecisionInput]>(
  'retryRevocation',
);
/** Returns the id of a review task's revocation child workflow. */
export function revocationWorkflowId(taskId: string): string {
  return `${taskId}/revocation`;
}

export const getRevocationQuery = defineQuery<RevocationStateView>('getRevocation');

/** The revocation child's state as its query returns it. */
export interface RevocationStateView {
  taskId: string;
  status: RevocationStatus;
  /** Identities who may approve or deny (approval mode) or mark as provisioned (manual mode). */
  approverIds: number[];
  provisionerIds: number[];
  /** True when a denial needs a comment; unset in revocations started before that rule. */
  denyReasonRequired?: boolean;
  /**
   * True while a failed removal waits for someone to retry it or confirm it was removed by hand.
   * Revocations that failed before that rule ended instead.
   */
  awaitingFollowUp?: boolean;
  /** True while the connector call runs or is retried and may be overtaken by a manual removal. */
  confirmableByHand?: boolean;
  /** The campaign owner and super admins, who may retry a failed removal or confirm it by hand. */
  followUpIds?: number[];
  detail?: string;
  log: { at: string; actorId: number | null; event: string; comment?: string }[];
}

/** Sent by the revocation child to its review task whenever its status changes. */
export interface RevocationProgressInput {
  status: RevocationStatus;
  detail?: string;
  actorId: number | null;
  comment?: string;
  /** The people the removal now waits for: approvers, or the people who remove it by hand. */
  waitingFor?: number[];
}
export const revocationProgressSignal =
  defineSignal<[RevocationProgressInput]>('revocationProgress');

/** Detail text of the revocation progress entry that an approval writes, which the evidence export matches. */
export const REMOVAL_APPROVED_DETAIL = 'Removal approved.';

/** Report from the revocation child to its review task after each removal reminder. */
export interface RevocationReminderInput {
  /** Identities reminded. */
  to: number[];
  /** Error message when sending failed after its retries. */
  failed?: string;
}
export const revocationReminderSignal =
  defineSignal<[RevocationReminderInput]>('revocationReminder');
