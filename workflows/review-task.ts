import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { TaskNotice } from '../activities/notifications/task-messages.js';
import {
  getTaskQuery,
  rejectionFailure,
  revocationProgressSignal,
  revocationReminderSignal,
  revocationWorkflowId,
  taskMessageDescriptions,
  taskMessages,
  type RevocationProgressInput,
  type TaskAction,
  type TaskActionType,
} from './messages.js';
import { durationMs, type PolicyStep } from './policy.js';
import { revocationWorkflow, type RevocationResult } from './revocation.js';
import {
  assignStep,
  currentStep,
  escalate,
  recordRejected,
  recordRevocationProgress,
  recordSystem,
  reduce,
  replacePolicy,
  type Decision,
  type Effect,
} from './task-reducer.js';
import type { RecertSinks } from './sinks.js';
import type { ReviewTaskInput, TaskLogEntry, TaskState, TaskStatus } from './task-state.js';
import {
  actionResult,
  currentDetails,
  initialSearchAttributes,
  initialState,
  projectionInput,
  searchAttributeUpdates,
  taskSummary,
} from './task-view.js';

// Projection writes retry until the database is back: the task's story must reach PostgreSQL.
// An open task writes through ordinary activities, because a local activity keeps the workflow
// task open and thousands of tasks starting at once then exceed the workflow task timeout.
const projectionOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
} as const;
const store = proxyActivities<Activities>(projectionOptions);
// A task's last row, written just before the workflow completes, goes through a sink. The
// decision, its row and the completion then share one workflow task and one activation, and
// the closing update returns when the worker reports that workflow task, after the write.
// A failed write goes to a repair workflow (activities/closed-task-sink.ts).
const { projection: closedProjection } = proxySinks<RecertSinks>();
/** Patch id of the change that moved the closed-task projection to a sink. */
const CLOSED_PROJECTION_SINK = 'closed-task-projection-sink';
// A removal in flight, and histories recorded before that patch, write through a local activity.
const storeOnClose = proxyLocalActivities<Activities>(projectionOptions);
/** Patch id of the change that moved the closed-task projection to a local activity. */
const CLOSED_PROJECTION_LOCAL = 'closed-task-projection-local';
/** Patch id of the change that made repairs need a reason. */
const REPAIR_REASON_REQUIRED = 'repair-reason-required';
/** Patch id of the change that keeps a step's due time when "process now" re-resolves it. */
const PROCESS_NOW_KEEPS_DUE = 'process-now-keeps-due-time';
// Reviewer resolution and notifications give up after a bounded number of attempts so a
// broken mail provider cannot stall a review; the failure is logged and the task moves on.
const effects = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

/** Final status of a review task and of its revocation, if any. */
export interface TaskOutcome {
  status: TaskStatus;
  revocation?: RevocationResult;
  /**
   * Log entries the sink wrote after the task closed. A sink's input is not kept in the
   * history, so the result keeps them, as an activity's input would be kept.
   */
  closedLog?: TaskLogEntry[];
}

function dueAt(step: PolicyStep | undefined, from: Date): Date | null {
  return step ? new Date(from.getTime() + durationMs(step.due)) : null;
}

/**
 * One review task: one grant reviewed in one campaign, step by step under a pinned policy
 * version, then revoked if a reviewer removes it.
 */
export async function reviewTaskWorkflow(input: ReviewTaskInput): Promise<TaskOutcome> {
  let state: TaskState = input.resume ?? initialState(input, new Date());
  // A task recorded before repairs needed a reason replays without that rule.
  if (!input.resume) state = { ...state, repairReasonRequired: patched(REPAIR_REASON_REQUIRED) };
  const pending: Effect[] = [];
  let revocationRequested = false;
  // Set when the removal has its result, after which the workflow only finishes.
  let revocationSettled = false;
  let projectedVersion = -1;
  let projectedSeq = 0;
  let publishedAttributes = '';
  const closedLog: TaskLogEntry[] = [];
  // Notifications run beside the review instead of blocking it: a slow or failing mail
  // provider must not hold up the next step. They are awaited before the workflow returns.
  const background = new Set<Promise<void>>();
  const inBackground = (work: Promise<void>) => {
    const tracked = work.finally(() => background.delete(tracked));
    background.add(tracked);
  };

  // Reminder and escalation timers belong to one step assignment; a new assignment resets them.
  let timerKey = '';
  let reminderAt: number | null = null;
  let escalationDone = false;

  const apply = (decision: Decision & { ok: true }) => {
    state = decision.state;
    pending.push(...decision.effects);
  };

  // Handlers first: updates that arrive before their handler exists are rejected.
  setHandler(getTaskQuery, () => state, {
    description: 'The task state: status, step, assignees, policy and the whole task log.',
  });
  for (const type of Object.keys(taskMessages) as TaskActionType[]) {
    const { signal, update } = taskMessages[type];
    const description = taskMessageDescriptions[type];
    const toAction = (payload: object) => ({ ...payload, type }) as TaskAction;
    // The reducer runs synchronously in the handler, before any await, so of two concurrent
    // updates the second is validated against the state the first produced.
    setHandler(
      update as typeof taskMessages.certify.update,
      (payload) => {
        const decision = reduce(state, toAction(payload), new Date());
        if (!decision.ok) throw rejectionFailure(decision);
        apply(decision);
        return actionResult(state);
      },
      {
        description,
        // Validators must stay synchronous: the SDK does not await them.
        validator: (payload) => {
          const decision = reduce(state, toAction(payload), new Date());
          if (!decision.ok) throw rejectionFailure(decision);
        },
      },
    );
    setHandler(
      signal as typeof taskMessages.certify.signal,
      (payload) => {
        const action = toAction(payload);
        const decision = reduce(state, action, new Date());
        if (decision.ok) return apply(decision);
        // A signal has no reply to its sender, so the rejection goes into the task log.
        log.warn('signal rejected', {
          taskId: state.taskId,
          action: type,
          reason: decision.reason,
        });
        state = recordRejected(state, action, decision.reason, new Date());
      },
      { description },
    );
  }
  setHandler(revocationProgressSignal, handleRevocationProgress, {
    description: 'Internal: the revocation child workflow reports its status. Not for people.',
  });
  setHandler(
    revocationReminderSignal,
    ({ to, failed }) => {
      if (!state.revocation) return;
      state = failed
        ? recordSystem(state, new Date(), 'revocation_reminder_failed', { to, error: failed })
        : recordSystem(state, new Date(), 'revocation_reminded', { to });
    },
    { description: 'Internal: the revocation child reports a removal reminder. Not for people.' },
  );
  function handleRevocationProgress(progress: RevocationProgressInput) {
    if (!state.revocation) return;
    const now = new Date();
    state = recordRevocationProgress(
      {
        ...state,
        revocation: {
          ...state.revocation,
          status: progress.status,
          detail: progress.detail,
          updatedAt: now.toISOString(),
          waitingFor: progress.waitingFor ?? [],
        },
      },
      now,
      progress,
    );
  }

  function notify(event: TaskNotice, recipientIds: number[], detail?: string) {
    if (recipientIds.length === 0) return;
    const request = {
      taskId: state.taskId,
      event,
      recipientIds,
      subject: state.subject,
      campaignName: state.campaignName,
      stepName: currentStep(state)?.name,
      eventSeq: state.log.at(-1)?.seq ?? 0,
      detail,
    };
    inBackground(
      effects.notifyTask(request).then(
        () => undefined,
        (error: unknown) =>
          log.error('notification failed after retries', {
            taskId: state.taskId,
            event,
            error: String(error),
          }),
      ),
    );
  }

  const stepToken = () =>
    `${state.policy.name}@${state.policy.version}#${state.stepIndex}@${state.stepStartedAt}`;

  async function resolveStep() {
    const step = currentStep(state);
    if (!step || state.closed) return;
    const token = stepToken();
    const resolved = await effects.resolveReviewers({
      taskId: state.taskId,
      step,
      subject: state.subject,
    });
    // An action during the activity moved the task to another step, which queued its own resolution.
    if (token !== stepToken() || state.closed) return;
    const now = new Date();
    const started = { stepStartedAt: state.stepStartedAt, stepDueAt: state.stepDueAt };
    const earlier = { assigneeIds: state.assigneeIds, assignedAt: state.assignedAt };
    state = assignStep(
      state,
      resolved.assigneeIds,
      resolved.via,
      now,
      dueAt(step, now),
      resolved.reason,
    );
    // Only "process now" re-resolves a step that already has a due time. A repair must not
    // move the deadline or restart the step's reminder and escalation timers.
    if (started.stepDueAt !== null && patched(PROCESS_NOW_KEEPS_DUE)) {
      state = { ...state, ...started };
      // The same reviewers keep their assignment time, so evidence measures from the real start.
      const sameReviewers =
        earlier.assigneeIds.length === resolved.assigneeIds.length &&
        earlier.assigneeIds.every((id) => resolved.assigneeIds.includes(id));
      if (sameReviewers && earlier.assignedAt) state = { ...state, assignedAt: earlier.assignedAt };
    }
    notify('assigned', resolved.assigneeIds);
  }

  async function loadPolicy(effect: Effect & { kind: 'loadPolicy' }) {
    const policy = await effects.loadPolicy({ name: effect.name, version: effect.version });
    if (!policy) {
      const wanted = `${effect.name}${effect.version ? ` v${effect.version}` : ''}`;
      state = recordSystem(
        state,
        new Date(),
        'policy_changed',
        { found: false },
        `Policy ${wanted} is not published; the task stays on ${state.policy.name} v${state.policy.version}.`,
      );
    } else {
      state = replacePolicy(state, policy);
      if (effect.cause === 'hardReset') pending.push({ kind: 'refreshInsights' });
    }
    pending.push({ kind: 'resolveStep' });
  }

  async function refreshInsights() {
    let fresh: Awaited<ReturnType<typeof effects.refreshTaskInsights>>;
    try {
      fresh = await effects.refreshTaskInsights({ taskId: state.taskId, subject: state.subject });
    } catch (error) {
      // Stale insights are better than a failed review, so the old ones stay and the log notes it.
      log.error('insights refresh failed after retries', {
        taskId: state.taskId,
        error: String(error),
      });
      state = recordSystem(
        state,
        new Date(),
        'insights_refreshed',
        { failed: true },
        'Insights could not be refreshed; the earlier snapshot stays.',
      );
      return;
    }
    if (!fresh) return;
    if (
      JSON.stringify(fresh.insights) === JSON.stringify(state.insights) &&
      JSON.stringify(fresh.recommendation) === JSON.stringify(state.recommendation)
    )
      return;
    state = recordSystem(
      {
        ...state,
        insights: fresh.insights,
        recommendation: fresh.recommendation,
        insightsVersion: state.insightsVersion + 1,
      },
      new Date(),
      'insights_refreshed',
      { recommendation: fresh.recommendation.kind },
    );
  }

  function remind(recipientIds: number[], requestKey?: string) {
    const step = currentStep(state);
    const request = {
      campaignId: state.campaignId,
      campaignName: state.campaignName,
      taskId: state.taskId,
      recipientIds,
      cadenceMs: step?.remindEvery ? durationMs(step.remindEvery) : 0,
      atMs: Date.now(),
      requestKey,
    };
    inBackground(
      effects.sendReminderDigests(request).then(
        () => {
          state = recordSystem(state, new Date(), 'reminded', { to: recipientIds });
        },
        (error: unknown) =>
          log.error('reminder failed after retries', {
            taskId: state.taskId,
            error: String(error),
          }),
      ),
    );
  }

  async function runEffect(effect: Effect) {
    switch (effect.kind) {
      case 'resolveStep':
        return resolveStep();
      case 'loadPolicy':
        return loadPolicy(effect);
      case 'notify':
        return notify(effect.event, effect.recipientIds);
      case 'remind':
        return remind(effect.recipientIds, `${state.taskId}:${state.log.at(-1)?.seq ?? 0}`);
      case 'refreshInsights':
        return refreshInsights();
      case 'startRevocation':
        revocationRequested = true;
        return;
    }
  }

  /** Writes the projection, search attributes and UI details when the state changed. */
  async function publish() {
    if (state.version === projectedVersion) return;
    const snapshot = state;
    const attributes = searchAttributeUpdates(snapshot);
    const serialized = JSON.stringify(attributes.map((a) => [a.key.name, a.value]));
    if (serialized !== publishedAttributes) {
      upsertSearchAttributes(attributes);
      publishedAttributes = serialized;
    }
    setCurrentDetails(currentDetails(snapshot));
    const projection = projectionInput(snapshot, projectedSeq);
    // The sink serves the write right before the workflow completes. A removal in flight keeps
    // the local activity, so its entries are in the history (the marker) before completion.
    const completesNext = snapshot.closed && (!revocationRequested || revocationSettled);
    if (completesNext && patched(CLOSED_PROJECTION_SINK)) {
      closedProjection.closed(projection);
      closedLog.push(...projection.entries);
    } else if (snapshot.closed && patched(CLOSED_PROJECTION_LOCAL)) {
      await storeOnClose.projectClosedTask(projection);
    } else {
      await store.projectTask(projection);
    }
    projectedSeq = snapshot.log.at(-1)?.seq ?? projectedSeq;
    projectedVersion = snapshot.version;
  }

  function syncTimers() {
    const key = `${stepToken()}|${state.assigneeIds.length > 0}`;
    if (key === timerKey) return;
    timerKey = key;
    const step = currentStep(state);
    reminderAt =
      step?.remindEvery && state.assigneeIds.length > 0 && !state.resolvingReviewers
        ? Date.now() + durationMs(step.remindEvery)
        : null;
    escalationDone = false;
  }

  function nextWake(): number | null {
    const times: number[] = [];
    if (reminderAt !== null) times.push(reminderAt);
    if (state.stepDueAt && !escalationDone) times.push(Date.parse(state.stepDueAt));
    return times.length ? Math.min(...times) : null;
  }

  async function onTimers() {
    const now = Date.now();
    const step = currentStep(state);
    if (state.stepDueAt && !escalationDone && now >= Date.parse(state.stepDueAt)) {
      escalationDone = true;
      const targets = step?.escalateToEmails?.length
        ? await effects.identityIdsByEmail(step.escalateToEmails)
        : [];
      const eligible = targets.filter(
        (id) => id !== state.subject.subjectIdentityId || step?.allowSelfReview,
      );
      if (eligible.length > 0 && !state.closed) {
        state = escalate(state, eligible, new Date());
        notify('escalated', eligible);
      } else {
        state = recordSystem(
          state,
          new Date(),
          'escalated',
          { to: [], overdue: true },
          'The step is overdue and has no escalation target; it stays with its assignees.',
        );
      }
    }
    if (reminderAt !== null && now >= reminderAt && !state.closed && state.assigneeIds.length > 0) {
      remind(state.assigneeIds);
      reminderAt = step?.remindEvery ? now + durationMs(step.remindEvery) : null;
    }
  }

  // Start: assign the first step from the launch's bulk resolution, or resolve it now.
  if (!input.resume) {
    upsertSearchAttributes(initialSearchAttributes(input));
    const now = new Date();
    state = recordSystem(state, now, 'started', {
      campaignId: input.campaignId,
      policy: { name: input.policy.name, version: input.policy.version },
      summary: taskSummary(input.subject),
    });
    if (input.firstStepAssigneeIds) {
      state = assignStep(
        state,
        input.firstStepAssigneeIds,
        input.firstStepAssignedVia ?? 'rule',
        now,
        dueAt(currentStep(state), now),
      );
      if (!input.firstStepNotified)
        pending.push({
          kind: 'notify',
          event: 'assigned',
          recipientIds: input.firstStepAssigneeIds,
        });
    } else {
      pending.push({ kind: 'resolveStep' });
    }
  }

  // Review: run what actions asked for, publish, then wait for the next action or timer.
  for (;;) {
    while (pending.length > 0) await runEffect(pending.shift()!);
    await publish();
    // An action may have arrived while publishing; run its effects before deciding to stop.
    if (pending.length > 0) continue;
    if (state.closed) break;

    if (workflowInfo().continueAsNewSuggested) {
      await Promise.all([...background]);
      await condition(allHandlersFinished);
      if (pending.length === 0 && !state.closed) {
        await continueAsNew<typeof reviewTaskWorkflow>({ ...input, resume: state });
      }
      continue;
    }

    syncTimers();
    const wakeAt = nextWake();
    const changed = () => pending.length > 0 || state.version !== projectedVersion;
    if (wakeAt === null) {
      await condition(changed);
    } else {
      const actedInTime = await condition(changed, Math.max(1, wakeAt - Date.now()));
      if (!actedInTime) await onTimers();
    }
  }

  // Revocation: a child with a deterministic id and the abandon policy, so nothing that
  // happens to this workflow later can kill a removal in flight.
  let revocation: RevocationResult | undefined;
  if (revocationRequested) {
    revocation = await runRevocation();
    revocationSettled = true;
  }

  // Each await below runs only when it has work: the SDK captures a stack trace for every
  // promise a workflow creates, and a closing decision usually has nothing left to wait for.
  if (background.size > 0) await Promise.all([...background]);
  if (state.version !== projectedVersion) await publish();
  if (!allHandlersFinished()) await condition(allHandlersFinished);
  return {
    status: state.status,
    ...(revocation ? { revocation } : {}),
    ...(closedLog.length ? { closedLog } : {}),
  };

  async function runRevocation(): Promise<RevocationResult> {
    const workflowId = revocationWorkflowId(state.taskId);
    const mode = state.policy.definition.revocation.mode;
    const now = new Date();
    state = recordSystem(
      {
        ...state,
        revocation: {
          status: mode === 'approval' ? 'pending_approval' : 'provisioning',
          workflowId,
          updatedAt: now.toISOString(),
        },
      },
      now,
      'revocation_started',
      { workflowId, mode },
    );
    await publish();

    let result: RevocationResult | undefined;
    try {
      const child = await startChild(revocationWorkflow, {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Revoke: ${taskSummary(state.subject)}`,
        args: [
          {
            taskId: state.taskId,
            parentWorkflowId: workflowInfo().workflowId,
            subject: state.subject,
            revocation: state.policy.definition.revocation,
            campaignName: state.campaignName,
            campaignOwnerId: state.campaignOwnerId,
            campaignId: state.campaignId,
            superAdminIds: state.superAdminIds,
            retry: input.revocationRetry,
          },
        ],
      });
      const finished = child.result().then(
        (value) => {
          result = value;
        },
        (error: unknown) => {
          result = { status: 'failed', detail: `The revocation workflow failed: ${String(error)}` };
        },
      );
      while (result === undefined) {
        await condition(() => result !== undefined || state.version !== projectedVersion);
        await publish();
      }
      await finished;
    } catch (error) {
      result = {
        status: 'failed',
        detail: `The revocation workflow could not start: ${String(error)}`,
      };
    }

    const final = result!;
    if (state.revocation?.status !== final.status) {
      const at = new Date();
      state = recordSystem(
        {
          ...state,
          revocation: {
            ...state.revocation!,
            status: final.status,
            detail: final.detail,
            updatedAt: at.toISOString(),
          },
        },
        at,
        'revocation_updated',
        { status: final.status, detail: final.detail },
      );
    }
    return final;
  }
}
