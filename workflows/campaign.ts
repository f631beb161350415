import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities } from '../activities/campaigns/index.js';
import {
  closeCampaignSignal,
  closeCampaignUpdate,
  getCampaignQuery,
  remindReviewersSignal,
  remindReviewersUpdate,
  type CampaignRunState,
  type CloseCampaignInput,
  type RemindReviewersInput,
} from './campaign-messages.js';

/** Pacing of the launch and the close; tests pass smaller values. */
export interface CampaignPacing {
  /** Workflow starts or updates in flight at once. */
  concurrency: number;
  /** Snapshot rows read per batch; a retried activity resumes after the last whole batch. */
  batchSize: number;
  /** How long without a heartbeat before a crashed worker's attempt is retried elsewhere. */
  heartbeatTimeoutMs: number;
}

/** Launch pacing: also how far starts may run ahead of the worker. */
export interface LaunchPacing extends CampaignPacing {
  /** Started tasks whose first workflow task has not completed yet, at most. */
  maxUnopened: number;
}

export interface CampaignWorkflowInput {
  campaignId: number;
  campaignName: string;
  dueAt: string;
  launch: LaunchPacing;
  close: CampaignPacing;
  /** State carried over by continue-as-new; absent on a fresh start. */
  resume?: CampaignRunState;
}

const MAX_REMINDERS_KEPT = 20;

// Short bookkeeping steps: the default retry policy retries them until the database is back.
const bookkeeping = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Proxies the long, heartbeating activities; a retried attempt resumes from its last heartbeat. */
function batched(pacing: CampaignPacing) {
  return proxyActivities<CampaignActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: pacing.heartbeatTimeoutMs,
    retry: {
      initialInterval: '1 second',
      maximumInterval: '30 seconds',
      nonRetryableErrorTypes: ['CampaignLaunchError'],
    },
  });
}

/** Markdown for the Temporal UI's "current details": phase, due date and counts so far. */
function details(state: CampaignRunState): string {
  const lines = [`**Phase:** ${state.phase}`, `**Due:** ${state.dueAt}`];
  if (state.launched)
    lines.push(
      `**Launched:** ${state.launched.started + state.launched.existing} of ${state.launched.total} tasks`,
    );
  if (state.closed)
    lines.push(
      `**Closed by rule ${state.closed.rule}:** certify ${state.closed.certify}, remove ${state.closed.remove}, leave open ${state.closed.leaveOpen}, already closed ${state.closed.alreadyClosed}`,
    );
  return lines.join('\n');
}

function closeReason(state: CampaignRunState, name: string, rule: string): string {
  const request = state.closeRequest!;
  const cause = request.byDeadline
    ? `The campaign "${name}" reached its due date`
    : `The campaign "${name}" was closed by ${request.actor}${request.reason ? ` (${request.reason})` : ''}`;
  return `${cause}; its no-response rule "${rule}" applied to this open task.`;
}

/**
 * Runs one campaign: starts its review tasks from the frozen snapshot, waits for the due date or a
 * close request, then applies the no-response rule to the tasks still open. Starting and
 * closing tasks each happen inside one heartbeating activity, so this history contains a few
 * dozen events however many tasks the campaign has. Admin requests add events, and the
 * workflow continues as new when Temporal suggests it.
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignRunState> {
  const state: CampaignRunState = input.resume ?? {
    campaignId: input.campaignId,
    phase: 'launching',
    dueAt: input.dueAt,
    reminders: [],
  };
  const pendingReminders: (RemindReviewersInput & { requestedAt: string })[] = [];

  const closeProblem = () =>
    state.phase === 'closing' || state.phase === 'closed'
      ? `The campaign is already ${state.phase}.`
      : undefined;
  const reminderProblem = () =>
    state.phase === 'active'
      ? undefined
      : state.phase === 'launching'
        ? 'Reminders can be sent once the launch has finished.'
        : `The campaign is ${state.phase}; there is nobody to remind.`;
  const acceptClose = (request: CloseCampaignInput) => {
    state.closeRequest ??= { ...request, requestedAt: new Date().toISOString(), byDeadline: false };
  };
  const acceptReminder = (request: RemindReviewersInput) => {
    const known =
      state.reminders.some((r) => r.requestId === request.requestId) ||
      pendingReminders.some((r) => r.requestId === request.requestId);
    if (!known) pendingReminders.push({ ...request, requestedAt: new Date().toISOString() });
  };

  // Handlers first: updates that arrive before their handler exists are rejected.
  setHandler(getCampaignQuery, () => state);
  setHandler(
    closeCampaignUpdate,
    (request) => {
      acceptClose(request);
      return state;
    },
    {
      validator: (_request: CloseCampaignInput) => {
        const problem = closeProblem();
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'CampaignActionRejected');
      },
    },
  );
  setHandler(closeCampaignSignal, (request) => {
    const problem = closeProblem();
    if (problem)
      return log.warn('close request ignored', { campaignId: input.campaignId, problem });
    acceptClose(request);
  });
  setHandler(
    remindReviewersUpdate,
    (request) => {
      acceptReminder(request);
      return state;
    },
    {
      validator: (_request: RemindReviewersInput) => {
        const problem = reminderProblem();
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'CampaignActionRejected');
      },
    },
  );
  setHandler(remindReviewersSignal, (request) => {
    const problem = reminderProblem();
    if (problem)
      return log.warn('reminder request ignored', { campaignId: input.campaignId, problem });
    acceptReminder(request);
  });

  // Launch: every task from the snapshot, then one digest per reviewer.
  setCurrentDetails(details(state));
  if (state.phase === 'launching') {
    const launched = await batched(input.launch).launchCampaignTasks({
      campaignId: input.campaignId,
      concurrency: input.launch.concurrency,
      batchSize: input.launch.batchSize,
      maxUnopened: input.launch.maxUnopened,
    });
    state.launched = {
      total: launched.total,
      started: launched.started,
      existing: launched.existing,
    };
    await bookkeeping.sendLaunchDigests({ campaignId: input.campaignId });
    await bookkeeping.markCampaignActive({
      campaignId: input.campaignId,
      tasks: launched.started + launched.existing,
    });
    state.phase = 'active';
    setCurrentDetails(details(state));
  }

  // Review: reminders on request, until the due date or a close request.
  while (state.phase === 'active' && !state.closeRequest) {
    const request = pendingReminders.shift();
    if (request) {
      const result = await bookkeeping.sendCampaignReminders({
        campaignId: input.campaignId,
        requestKey: request.requestId,
      });
      state.reminders = [...state.reminders, { ...request, sent: result.sent }].slice(
        -MAX_REMINDERS_KEPT,
      );
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (pendingReminders.length === 0 && !state.closeRequest)
        await continueAsNew<typeof campaignWorkflow>({ ...input, resume: state });
      continue;
    }
    const untilDue = Date.parse(state.dueAt) - Date.now();
    const woken =
      untilDue > 0 &&
      (await condition(() => pendingReminders.length > 0 || !!state.closeRequest, untilDue));
    if (!woken) {
      state.closeRequest = {
        actorId: null,
        actor: 'system',
        requestedAt: new Date().toISOString(),
        byDeadline: true,
      };
    }
  }

  // Close: the no-response rule on every task still open; then no task accepts decisions.
  if (state.phase !== 'closed') {
    state.phase = 'closing';
    setCurrentDetails(details(state));
    const request = state.closeRequest!;
    const { rule, actorId } = await bookkeeping.markCampaignClosing({
      campaignId: input.campaignId,
      rule: request.rule,
      actorId: request.actorId ?? undefined,
      closedBy: request.actor,
    });
    const closed = await batched(input.close).closeCampaignTasks({
      campaignId: input.campaignId,
      rule,
      actorId,
      reason: closeReason(state, input.campaignName, rule),
      concurrency: input.close.concurrency,
      batchSize: input.close.batchSize,
    });
    state.closed = {
      rule,
      certify: closed.certify,
      remove: closed.remove,
      leaveOpen: closed.leaveOpen,
      alreadyClosed: closed.alreadyClosed,
      missing: closed.missing,
      rejected: closed.rejected,
    };
    const { rule: _rule, ...summary } = state.closed;
    await bookkeeping.markCampaignClosed({ campaignId: input.campaignId, summary });
    state.phase = 'closed';
    setCurrentDetails(details(state));
  }

  await condition(allHandlersFinished);
  return state;
}
