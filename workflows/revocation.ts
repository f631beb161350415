import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import {
  actorIdProblem,
  approveRevocationSignal,
  approveRevocationUpdate,
  denyRevocationSignal,
  denyRevocationUpdate,
  getRevocationQuery,
  markProvisionedSignal,
  markProvisionedUpdate,
  rejectionFailure,
  retryRevocationSignal,
  retryRevocationUpdate,
  revocationProgressSignal,
  revocationReminderSignal,
  REMOVAL_APPROVED_DETAIL,
  type RevocationDecisionInput,
  type RevocationStateView,
} from './messages.js';
import { durationMs, type RevocationPolicy } from './policy.js';
import { taskSearchAttributeKeys as keys } from './search-attributes.js';
import type { RevocationRetry, RevocationStatus, TaskSubject } from './task-state.js';

/** Patch id of the change that notifies the campaign owner when verification finds the access. */
const NOTIFY_VERIFICATION_FAILED = 'notify-verification-failed';
/** Patch id of the change that made a denial need a comment. */
const DENY_REASON_REQUIRED = 'deny-reason-required';
/** Patch id of the change that keeps a failed removal open for a retry or a manual removal. */
const FAILED_REMOVAL_WAITS = 'failed-removal-waits';
/** Patch id of the change that gave removals their campaign, application and status attributes. */
const REVOCATION_SEARCH_ATTRIBUTES = 'revocation-search-attributes';
/** Patch id of the change that reports each removal reminder to the review task's log. */
const REMINDERS_IN_TASK_LOG = 'removal-reminders-in-task-log';
/** Statuses in which the access may still be there and someone has to act. */
const FAILED_STATUSES: readonly RevocationStatus[] = ['failed', 'verification_failed'];

export interface RevocationInput {
  taskId: string;
  parentWorkflowId: string;
  subject: TaskSubject;
  revocation: RevocationPolicy;
  campaignName: string;
  campaignOwnerId: number | null;
  /**
   * Campaign id of the task, or null outside a campaign. Absent in removals started by older
   * code.
   */
  campaignId?: number | null;
  /** The task's super admins, who may follow up a failed removal with the campaign owner. */
  superAdminIds?: number[];
  retry?: RevocationRetry;
}

export interface RevocationResult {
  status: RevocationStatus;
  detail?: string;
}

type RevocationAction = 'approve' | 'deny' | 'markProvisioned' | 'retry';

const REVOCATION_DESCRIPTIONS: Record<RevocationAction, string> = {
  approve: 'Approve the removal. {"actorId", "comment"?}; an approver named by the policy.',
  deny: 'Deny the removal; the access stays. {"actorId", "comment"}; an approver named by the policy.',
  markProvisioned:
    'Confirm the access was removed by hand. {"actorId", "comment"?}; an application owner, or the campaign owner. After a failure, or while the connector call is retried: {"actorId", "comment"}; the campaign owner or a super admin of the task.',
  retry:
    'Try a failed removal again, with a new idempotency key. {"actorId", "comment"}; the campaign owner or a super admin of the task.',
};

/** A rejected approval, denial, confirmation or retry, and whether its input was the cause. */
export interface RevocationRejection {
  reason: string;
  invalidInput?: boolean;
}

/** Checks a retry or a manual confirmation of a failed removal. */
function checkFollowUp(
  state: RevocationStateView,
  action: 'markProvisioned' | 'retry',
  input: RevocationDecisionInput,
): RevocationRejection | undefined {
  if (!state.followUpIds?.includes(input.actorId))
    return {
      reason:
        'Only the campaign owner or a super admin of this task can retry a failed removal or confirm it was removed by hand.',
    };
  if (!input.comment?.trim())
    return {
      reason:
        action === 'retry'
          ? 'Give a reason for retrying the removal, such as what was fixed; it is kept as evidence.'
          : 'Say how the access was removed; the comment is kept as evidence.',
      invalidInput: true,
    };
  return undefined;
}

/**
 * Decides whether an approval, denial, "mark as provisioned" or retry is allowed now. Pure, so
 * the update validator, the update handler and the signal handler return the same result.
 */
export function checkRevocationAction(
  state: RevocationStateView,
  action: RevocationAction,
  input: RevocationDecisionInput,
): RevocationRejection | undefined {
  const actorProblem = actorIdProblem(input.actorId);
  if (actorProblem) return { reason: actorProblem, invalidInput: true };
  const awaitingFollowUp =
    state.awaitingFollowUp === true && FAILED_STATUSES.includes(state.status);
  if (action === 'retry') {
    if (!awaitingFollowUp)
      return { reason: `Only a failed removal can be retried (status: ${state.status}).` };
    return checkFollowUp(state, action, input);
  }
  if (action === 'markProvisioned' && awaitingFollowUp) return checkFollowUp(state, action, input);
  if (action === 'markProvisioned' && state.confirmableByHand && state.status === 'provisioning')
    return checkFollowUp(state, action, input);
  const problem = stageProblem(state, action, input.actorId);
  if (problem) return { reason: problem };
  if (action === 'deny' && state.denyReasonRequired && !input.comment?.trim())
    return {
      reason:
        'Give a reason for denying the removal: the access stays, and the reason is kept as evidence.',
      invalidInput: true,
    };
  return undefined;
}

/** Returns why the removal's stage or the actor's part forbids an approval, denial or confirmation. */
function stageProblem(
  state: RevocationStateView,
  action: 'approve' | 'deny' | 'markProvisioned',
  actorId: number,
): string | undefined {
  if (action === 'markProvisioned') {
    if (state.status !== 'awaiting_manual')
      return `The removal is not waiting for manual provisioning (status: ${state.status}).`;
    if (!state.provisionerIds.includes(actorId))
      return 'Only the people asked to remove this access by hand (the application owners, or the campaign owner when the application has none) can mark it as provisioned.';
    return undefined;
  }
  if (state.status !== 'pending_approval')
    return `The removal is not waiting for approval (status: ${state.status}).`;
  if (!state.approverIds.includes(actorId)) return 'You are not an approver of this removal.';
  return undefined;
}

/**
 * Carries out one removal: optional approval, then provisioning through a connector or by
 * hand, then verification where the connector can read the target back.
 */
export async function revocationWorkflow(input: RevocationInput): Promise<RevocationResult> {
  const state: RevocationStateView = {
    taskId: input.taskId,
    status: 'provisioning',
    approverIds: [],
    provisionerIds: [],
    // A revocation recorded before denials needed a reason replays without that rule.
    denyReasonRequired: patched(DENY_REASON_REQUIRED),
    awaitingFollowUp: false,
    followUpIds: [
      ...new Set([
        ...(input.campaignOwnerId === null ? [] : [input.campaignOwnerId]),
        ...(input.superAdminIds ?? []),
      ]),
    ],
    log: [],
  };
  // A revocation recorded before failed removals waited for a follow-up replays as it ran.
  const waitsAfterFailure = patched(FAILED_REMOVAL_WAITS);
  // Lets an admin find removals in the Temporal UI, for example every failed one of a campaign.
  const setsSearchAttributes = patched(REVOCATION_SEARCH_ATTRIBUTES);
  const reportsReminders = patched(REMINDERS_IN_TASK_LOG);
  if (setsSearchAttributes) {
    const campaignId = input.campaignId ?? null;
    upsertSearchAttributes([
      { key: keys.campaignId, value: campaignId === null ? 'none' : String(campaignId) },
      { key: keys.application, value: input.subject.applicationKey },
      { key: keys.risk, value: input.subject.riskLevel },
      { key: keys.status, value: state.status },
    ] as SearchAttributeUpdatePair[]);
  }
  let decision: RevocationAction | undefined;

  const act = (action: RevocationAction, payload: RevocationDecisionInput) => {
    decision = action;
    state.log.push({
      at: new Date().toISOString(),
      actorId: payload.actorId,
      event: action,
      ...(payload.comment ? { comment: payload.comment } : {}),
    });
  };
  const handlers: [
    RevocationAction,
    typeof approveRevocationUpdate,
    typeof approveRevocationSignal,
  ][] = [
    ['approve', approveRevocationUpdate, approveRevocationSignal],
    ['deny', denyRevocationUpdate, denyRevocationSignal],
    ['markProvisioned', markProvisionedUpdate, markProvisionedSignal],
    ['retry', retryRevocationUpdate, retryRevocationSignal],
  ];
  setHandler(getRevocationQuery, () => state, {
    description: 'The removal: status, approvers, the people who remove by hand, and its log.',
  });
  for (const [action, update, signal] of handlers) {
    const description = REVOCATION_DESCRIPTIONS[action];
    setHandler(
      update,
      (payload) => {
        const problem = checkRevocationAction(state, action, payload);
        if (problem) throw rejectionFailure(problem);
        act(action, payload);
        return state;
      },
      {
        description,
        validator: (payload) => {
          const problem = checkRevocationAction(state, action, payload);
          if (problem) throw rejectionFailure(problem);
        },
      },
    );
    setHandler(
      signal,
      (payload) => {
        const problem = checkRevocationAction(state, action, payload);
        if (problem) {
          log.warn('revocation signal rejected', {
            taskId: input.taskId,
            action,
            reason: problem.reason,
          });
          state.log.push({
            at: new Date().toISOString(),
            actorId: payload.actorId,
            event: `rejected ${action}`,
            comment: problem.reason,
          });
          return;
        }
        act(action, payload);
      },
      { description },
    );
  }

  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
  });
  const connectorCalls = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: input.retry?.initialIntervalMs ?? 5_000,
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      maximumAttempts: input.retry?.maximumAttempts ?? 10,
      nonRetryableErrorTypes: ['PermanentConnectorError'],
    },
  });
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);

  async function moveTo(
    status: RevocationStatus,
    detail?: string,
    actorId: number | null = null,
    comment?: string,
    waitingFor: number[] = [],
  ) {
    state.status = status;
    if (setsSearchAttributes) upsertSearchAttributes([{ key: keys.status, value: status }]);
    if (detail !== undefined) state.detail = detail;
    state.log.push({
      at: new Date().toISOString(),
      actorId,
      event: status,
      ...(detail ? { comment: detail } : {}),
    });
    try {
      await parent.signal(revocationProgressSignal, {
        status,
        detail,
        actorId,
        comment,
        waitingFor,
      });
    } catch (error) {
      // The review task may be gone (deleted by an admin); the removal carries on regardless.
      log.warn('could not report revocation progress to the review task', {
        taskId: input.taskId,
        error: String(error),
      });
    }
  }

  /** Reports a reminder to the review task, whose log is the one kept in PostgreSQL. */
  async function reportReminder(to: number[], failed?: string) {
    try {
      await parent.signal(revocationReminderSignal, { to, ...(failed ? { failed } : {}) });
    } catch (error) {
      log.warn('reporting a removal reminder to the review task failed', {
        taskId: input.taskId,
        error: String(error),
      });
    }
  }

  async function notify(
    event: 'revocation_approval' | 'manual_provisioning' | 'revocation_failed',
    recipientIds: number[],
    detail?: string,
  ) {
    if (recipientIds.length === 0) return;
    try {
      await acts.notifyTask({
        taskId: input.taskId,
        event,
        recipientIds,
        subject: input.subject,
        campaignName: input.campaignName,
        eventSeq: state.log.length,
        detail,
      });
    } catch (error) {
      log.error('revocation notification failed after retries', {
        taskId: input.taskId,
        event,
        error: String(error),
      });
    }
  }

  /**
   * Waits until `done` holds, reminding `recipientIds` on the policy's cadence meanwhile. A
   * policy without `remindEvery` waits without timers, as revocations did before reminders.
   */
  async function waitFor(done: () => boolean, recipientIds: number[]) {
    const cadenceMs = input.revocation.remindEvery ? durationMs(input.revocation.remindEvery) : 0;
    if (cadenceMs <= 0 || recipientIds.length === 0) return condition(done);
    while (!(await condition(done, cadenceMs))) {
      // The timer and a decision can arrive in the same activation; the decision wins.
      if (done()) return;
      // Logged when the reminder starts, so a decision that arrives while it is being sent is
      // logged after it.
      state.log.push({
        at: new Date().toISOString(),
        actorId: null,
        event: 'reminded',
        comment: `Reminding identities ${recipientIds.join(', ')}.`,
      });
      let failed: string | undefined;
      try {
        await acts.sendRemovalReminders({
          taskId: input.taskId,
          recipientIds,
          cadenceMs,
          atMs: Date.now(),
        });
      } catch (error) {
        failed = String(error);
        log.error('removal reminder failed after retries', {
          taskId: input.taskId,
          error: failed,
        });
        state.log.push({
          at: new Date().toISOString(),
          actorId: null,
          event: 'reminder_failed',
          comment: failed,
        });
      }
      if (reportsReminders) await reportReminder(recipientIds, failed);
    }
  }

  /** Marks a failed removal as waiting for a follow-up and returns the people it waits for. */
  function awaitFollowUp(): number[] {
    if (!waitsAfterFailure) return [];
    state.awaitingFollowUp = true;
    return state.followUpIds ?? [];
  }

  async function fail(detail: string): Promise<RevocationResult> {
    await moveTo('failed', detail, null, undefined, awaitFollowUp());
    await notify(
      'revocation_failed',
      input.campaignOwnerId === null ? [] : [input.campaignOwnerId],
      detail,
    );
    return { status: 'failed', detail };
  }

  // Attempts count from 1; a retry sends its connector call under a new idempotency key,
  // because a target that honours the key would otherwise return the first failure.
  let attempt = 1;
  let approved = false;

  /** Runs one attempt: approval (once), then provisioning, then verification where possible. */
  async function removeOnce(): Promise<RevocationResult> {
    const actors = await acts.resolveRevocationActors({
      subject: input.subject,
      revocation: input.revocation,
      campaignOwnerId: input.campaignOwnerId,
    });
    state.approverIds = actors.approverIds;
    state.provisionerIds = actors.provisionerIds;

    // Approval: the named approvers decide before anything is removed.
    let provisioning = input.revocation;
    if (input.revocation.mode === 'approval') {
      if (!approved) {
        if (actors.approverIds.length === 0)
          return fail('No active approver matches the policy’s approver emails.');
        await moveTo('pending_approval', undefined, null, undefined, actors.approverIds);
        await notify('revocation_approval', actors.approverIds);
        await waitFor(() => decision === 'approve' || decision === 'deny', actors.approverIds);
        const last = state.log.at(-1);
        if (decision === 'deny') {
          await moveTo(
            'denied',
            'The removal was denied; the access stays.',
            last?.actorId ?? null,
            last?.comment,
          );
          return { status: 'denied', detail: state.detail };
        }
        approved = true;
        await moveTo('provisioning', REMOVAL_APPROVED_DETAIL, last?.actorId ?? null, last?.comment);
      }
      provisioning = input.revocation.then;
    }

    // Manual provisioning: the application owners remove the access and confirm it.
    if (provisioning.mode === 'manual') {
      if (actors.provisionerIds.length === 0)
        return fail(
          'Neither the application nor the campaign has an active owner to remove the access by hand.',
        );
      const ownerNote = actors.provisionersAreCampaignOwner
        ? 'The application has no active owner, so the campaign owner removes the access by hand.'
        : undefined;
      await moveTo('awaiting_manual', ownerNote, null, undefined, actors.provisionerIds);
      await notify('manual_provisioning', actors.provisionerIds, ownerNote);
      await waitFor(() => decision === 'markProvisioned', actors.provisionerIds);
      const last = state.log.at(-1);
      await moveTo('revoked', 'Marked as provisioned.', last?.actorId ?? null, last?.comment);
      return { status: 'revoked', detail: state.detail };
    }

    // Automatic provisioning through a connector, then verification.
    if (provisioning.mode !== 'automatic')
      return fail('The revocation policy has no provisioning mode.');
    const target = {
      taskId: input.taskId,
      applicationKey: input.subject.applicationKey,
      resourceExternalId: input.subject.resourceExternalId,
      resourceParentExternalId: null,
      accountExternalId: input.subject.accountExternalId,
      accountName: input.subject.accountName,
      resourceName: input.subject.resourceName,
    };
    // While the call is retried, the campaign owner or a super admin may confirm that they
    // removed the access by hand, which stops the call.
    const scope = new CancellationScope();
    const call = scope
      .run(() =>
        connectorCalls.revokeAccess({
          connector: provisioning.connector,
          target,
          idempotencyKey:
            attempt === 1 ? `revoke:${input.taskId}` : `revoke:${input.taskId}:${attempt}`,
        }),
      )
      .then(
        (value) => ({ kind: 'done' as const, value }),
        (error: unknown) => ({ kind: 'error' as const, error }),
      );
    state.confirmableByHand = waitsAfterFailure;
    const byHand = waitsAfterFailure
      ? condition(() => decision === 'markProvisioned').then(() => ({ kind: 'byHand' as const }))
      : new Promise<never>(() => undefined);
    const first = await Promise.race([call, byHand]);
    state.confirmableByHand = false;
    if (first.kind === 'byHand') {
      scope.cancel();
      const last = state.log.at(-1);
      await moveTo(
        'revoked',
        'Removed by hand while the connector call was retried.',
        last?.actorId ?? null,
        last?.comment,
      );
      return { status: 'revoked', detail: state.detail };
    }
    if (first.kind === 'error') {
      const error = first.error as { cause?: { message?: string } };
      const cause = error.cause?.message ?? String(first.error);
      return fail(`Connector ${provisioning.connector} could not remove the access: ${cause}`);
    }
    await moveTo('revoked', first.value.detail);
    const check = await acts.verifyRevocation({ connector: provisioning.connector, target });
    if (check.revoked === true) await moveTo('verified', check.detail);
    else if (check.revoked === false) {
      await moveTo('verification_failed', check.detail, null, undefined, awaitFollowUp());
      // The target still shows the access, so someone has to look, as after a failed removal.
      if (patched(NOTIFY_VERIFICATION_FAILED) && input.campaignOwnerId !== null) {
        await notify(
          'revocation_failed',
          [input.campaignOwnerId],
          `the connector reported the removal as done, but reading the target back still finds the access (${check.detail})`,
        );
      }
    } else
      state.log.push({
        at: new Date().toISOString(),
        actorId: null,
        event: 'not_verified',
        comment: check.detail,
      });
    return { status: state.status, detail: state.detail };
  }

  // A failed removal leaves the access in place, so it stays open until the campaign owner or
  // a super admin retries it or confirms that someone removed the access by hand.
  for (;;) {
    const outcome = await removeOnce();
    if (!state.awaitingFollowUp) return outcome;
    await waitFor(
      () => decision === 'retry' || decision === 'markProvisioned',
      state.followUpIds ?? [],
    );
    const followUp = decision;
    decision = undefined;
    state.awaitingFollowUp = false;
    const last = state.log.at(-1);
    if (followUp === 'markProvisioned') {
      await moveTo(
        'revoked',
        'Removed by hand after the failure.',
        last?.actorId ?? null,
        last?.comment,
      );
      return { status: 'revoked', detail: state.detail };
    }
    attempt += 1;
    await moveTo(
      'provisioning',
      `Retrying the removal (attempt ${attempt}).`,
      last?.actorId ?? null,
      last?.comment,
    );
  }
}
