/**
 * Reads one task for one user and decides what they may see and do. Detail pages and single
 * actions read the workflow by query. When no worker responds, the page shows the projection
 * instead and offers no action.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { readTask } from '../../runtime/task-client.js';
import { withTimeLimit } from '../../runtime/time-limit.js';
import type { InsightsSnapshot, Recommendation } from '../../workflows/insights.js';
import { getRevocationQuery, type RevocationStateView } from '../../workflows/messages.js';
import { canSee } from '../../workflows/task-reducer.js';
import type { TaskLogEntry, TaskState } from '../../workflows/task-state.js';
import { hasRole, type CurrentUser } from '../auth/session.js';
import type { AppDeps } from '../deps.js';
import { policyStep, loadPolicyDefinitions } from './policy-steps.js';
import { findTaskRow } from './task-list.js';

/** Revocation states in which the review task's workflow is still running. */
const REVOCATION_IN_FLIGHT = new Set(['pending_approval', 'provisioning', 'awaiting_manual']);

/** A task as the detail page shows it, from the workflow or from the projection. */
export interface TaskView {
  id: string;
  source: 'workflow' | 'projection';
  /** Reason the projection is shown instead of the live workflow. */
  notice?: string;
  status: string;
  closed: boolean;
  campaignId: number | null;
  campaignName: string;
  stepIndex: number;
  stepName: string | null;
  stepCount: number | null;
  stepDueAt: string | null;
  policyName: string;
  policyVersion: number;
  assigneeIds: number[];
  resolvingReviewers: boolean;
  commentRequired: { certify: boolean; remove: boolean };
  subject: {
    grantId: number | null;
    applicationId: number | null;
    applicationName: string;
    resourceId: number | null;
    resourceName: string;
    resourceType: string;
    riskLevel: string;
    principalType: string;
    accountId: number | null;
    accountName: string;
    subjectIdentityId: number | null;
    subjectName: string;
    inherited: boolean;
    grantedVia: string[];
  };
  insights?: InsightsSnapshot;
  recommendation?: Recommendation;
  insightsVersion?: number;
  revocation?: { status: string; workflowId?: string; detail?: string };
  log: TaskLogEntry[];
}

/** Actions the viewer may take on the task's page; the workflow validator checks each again. */
export interface TaskRights {
  decide: boolean;
  comment: boolean;
  reassign: boolean;
  remind: boolean;
  repair: boolean;
  /** A super admin who is not among the task's own super admins (given the role after launch). */
  repairUnlisted: boolean;
  approveRevocation: boolean;
  markProvisioned: boolean;
  /** True when the viewer may retry a failed removal or confirm it was removed by hand. */
  followUpRevocation: boolean;
  /** True when the viewer may confirm a manual removal while the connector call is retried. */
  confirmByHand: boolean;
}

export interface LoadedTask {
  view: TaskView;
  /** The live workflow state; absent when the page shows the projection. */
  state?: TaskState;
  revocation?: RevocationStateView;
  /** Set while the revocation's connector call is being retried after a failure. */
  revocationAttempt?: RevocationAttempt;
  /** The removal's calls to the connector's target, newest first. */
  connectorCalls?: ConnectorCallRow[];
  rights: TaskRights;
}

/** One call a removal made to a connector's target, as `connector_call` keeps it. */
export interface ConnectorCallRow {
  call: string;
  /** Idempotency key of the removal try: `revoke:<task>`, then `revoke:<task>:2` after a retry. */
  idempotencyKey: string | null;
  attempt: number;
  startedAt: Date;
  outcome: string;
  detail: string | null;
}

/** Reads the last `limit` connector calls of a task, newest first. */
async function readConnectorCalls(
  deps: AppDeps,
  taskId: string,
  limit = 20,
): Promise<ConnectorCallRow[]> {
  const rows = await deps.orm.em
    .fork()
    .getConnection()
    .execute<
      {
        call: string;
        idempotency_key: string | null;
        attempt: number;
        started_at: Date;
        outcome: string;
        detail: string | null;
      }[]
    >(
      `select call, idempotency_key, attempt, started_at, outcome, detail from connector_call
        where task_id = ? order by started_at desc, id desc limit ?`,
      [taskId, limit],
    );
  return rows.map((row) => ({
    call: row.call,
    idempotencyKey: row.idempotency_key,
    attempt: row.attempt,
    startedAt: new Date(row.started_at),
    outcome: row.outcome,
    detail: row.detail,
  }));
}

/** Identity ids that were ever assigned this task, from its log. */
function everAssigned(log: TaskLogEntry[]): number[] {
  const ids = new Set<number>();
  for (const entry of log) {
    const data = entry.data ?? {};
    for (const key of ['assigneeIds', 'to', 'from']) {
      const value = data[key];
      if (Array.isArray(value)) for (const id of value) if (typeof id === 'number') ids.add(id);
    }
  }
  return [...ids];
}

function deciders(log: TaskLogEntry[]): number[] {
  return log
    .filter((entry) => entry.type === 'certified' || entry.type === 'removed')
    .map((entry) => entry.actorId)
    .filter((id): id is number => id !== null);
}

async function queryRevocation(
  deps: AppDeps,
  workflowId: string,
): Promise<RevocationStateView | undefined> {
  try {
    return await withTimeLimit(deps.temporal, deps.taskQueryTimeoutMs, 'The revocation query', () =>
      deps.temporal.workflow.getHandle(workflowId).query(getRevocationQuery),
    );
  } catch (error) {
    // Not found is expected for a moment after a removal, before the child has started.
    if (!(error instanceof WorkflowNotFoundError)) {
      deps.log.warn({ err: error, workflowId }, 'could not read the revocation workflow');
    }
    return undefined;
  }
}

/** The connector call a revocation is retrying, as Temporal reports its pending activity. */
export interface RevocationAttempt {
  attempt: number;
  /** 0 when the retry policy sets no limit. */
  maximumAttempts: number;
  lastFailure: string;
  nextAttemptAt?: string;
}

/**
 * Reads the retry state of a revocation's connector call, so the page can show a failing
 * removal before its retries run out. Returns undefined when no attempt has failed yet.
 */
export async function readRevocationAttempt(
  deps: AppDeps,
  workflowId: string,
): Promise<RevocationAttempt | undefined> {
  try {
    const description = await withTimeLimit(
      deps.temporal,
      deps.taskQueryTimeoutMs,
      'The revocation description',
      () => deps.temporal.workflow.getHandle(workflowId).describe(),
    );
    const pending = description.raw.pendingActivities?.find((a) => a.lastFailure?.message);
    if (!pending) return undefined;
    const next = pending.nextAttemptScheduleTime?.seconds;
    return {
      attempt: pending.attempt ?? 1,
      maximumAttempts: pending.maximumAttempts ?? 0,
      lastFailure: pending.lastFailure!.message ?? '',
      ...(next ? { nextAttemptAt: new Date(Number(next) * 1000).toISOString() } : {}),
    };
  } catch (error) {
    deps.log.warn({ err: error, workflowId }, 'could not describe the revocation workflow');
    return undefined;
  }
}

function fromState(state: TaskState): TaskView {
  const steps = state.policy.definition.steps;
  const step = steps[state.stepIndex];
  const s = state.subject;
  return {
    id: state.taskId,
    source: 'workflow',
    status: state.status,
    closed: state.closed,
    campaignId: state.campaignId,
    campaignName: state.campaignName,
    stepIndex: state.stepIndex,
    stepName: step?.name ?? null,
    stepCount: steps.length,
    stepDueAt: state.stepDueAt,
    policyName: state.policy.name,
    policyVersion: state.policy.version,
    assigneeIds: state.assigneeIds,
    resolvingReviewers: state.resolvingReviewers,
    commentRequired: step?.commentRequired ?? { certify: false, remove: false },
    subject: {
      grantId: s.grantId,
      applicationId: s.applicationId,
      applicationName: s.applicationName,
      resourceId: s.resourceId,
      resourceName: s.resourceName,
      resourceType: s.resourceType,
      riskLevel: s.riskLevel,
      principalType: s.principalType,
      accountId: s.accountId,
      accountName: s.accountName,
      subjectIdentityId: s.subjectIdentityId,
      subjectName: s.subjectName,
      inherited: s.inherited,
      grantedVia: s.grantedVia,
    },
    insights: state.insights,
    recommendation: state.recommendation,
    insightsVersion: state.insightsVersion,
    revocation: state.revocation,
    log: state.log,
  };
}

/**
 * Loads a task for `user`. Returns undefined when it does not exist or the user may not see
 * it, so both get a 404 and ids reveal nothing. Visible to its assignees (current and former), the
 * reviewers who decided it, its campaign's administrators, super and campaign admins, and the
 * approvers and provisioners of its revocation.
 */
export async function loadTask(
  deps: AppDeps,
  user: CurrentUser,
  taskId: string,
): Promise<LoadedTask | undefined> {
  const read = await readTask(deps.temporal, deps.orm, taskId, deps.taskQueryTimeoutMs);
  if (read.source === 'missing') return undefined;
  const me = user.identityId;
  const globalAdmin = hasRole(user, 'campaign_admin');

  if (read.source === 'workflow') {
    const state = read.state;
    const revocation = state.revocation
      ? await queryRevocation(deps, state.revocation.workflowId)
      : undefined;
    const revocationAttempt =
      revocation?.status === 'provisioning'
        ? await readRevocationAttempt(deps, state.revocation!.workflowId)
        : undefined;
    const revocationActor =
      !!revocation &&
      (revocation.approverIds.includes(me) ||
        revocation.provisionerIds.includes(me) ||
        !!revocation.followUpIds?.includes(me));
    const visible =
      globalAdmin || canSee(state, me) || everAssigned(state.log).includes(me) || revocationActor;
    if (!visible) return undefined;

    const stateAdmin =
      state.campaignOwnerId === me ||
      state.campaignAdminIds.includes(me) ||
      state.superAdminIds.includes(me);
    return {
      view: fromState(state),
      state,
      revocation,
      revocationAttempt,
      connectorCalls: state.revocation ? await readConnectorCalls(deps, taskId) : undefined,
      rights: {
        decide: !state.closed && state.assigneeIds.includes(me),
        // A closed task's workflow ends once its revocation has finished, and a finished
        // workflow takes no more comments.
        comment:
          (!state.closed ||
            REVOCATION_IN_FLIGHT.has(state.revocation?.status ?? '') ||
            revocation?.awaitingFollowUp === true) &&
          (canSee(state, me) || globalAdmin || !!state.revocation?.waitingFor?.includes(me)),
        reassign: !state.closed && (state.assigneeIds.includes(me) || stateAdmin || globalAdmin),
        remind: !state.closed && state.assigneeIds.length > 0 && (canSee(state, me) || globalAdmin),
        repair: hasRole(user, 'super_admin') && state.superAdminIds.includes(me),
        repairUnlisted: hasRole(user, 'super_admin') && !state.superAdminIds.includes(me),
        approveRevocation:
          revocation?.status === 'pending_approval' && revocation.approverIds.includes(me),
        markProvisioned:
          revocation?.status === 'awaiting_manual' && revocation.provisionerIds.includes(me),
        followUpRevocation:
          revocation?.awaitingFollowUp === true && !!revocation.followUpIds?.includes(me),
        confirmByHand:
          revocation?.status === 'provisioning' &&
          revocation.confirmableByHand === true &&
          !!revocation.followUpIds?.includes(me),
      },
    };
  }

  // No live state: visibility comes from the projection row, the stored log and the campaign.
  const em = deps.orm.em.fork();
  const row = await findTaskRow(em, me, taskId);
  if (!row) return undefined;
  const connection = em.getConnection();
  const [campaign] = row.campaignId
    ? await connection.execute<{ owner_id: number; admin_ids: number[] }[]>(
        'select owner_id, admin_ids from campaign where id = ?',
        [row.campaignId],
      )
    : [];
  const owners = row.revocationStatus
    ? await connection.execute<{ identity_id: number }[]>(
        'select identity_id from application_owner where application_id = ?',
        [row.applicationId],
      )
    : [];
  const visible =
    globalAdmin ||
    row.assigneeIds.includes(me) ||
    deciders(read.log).includes(me) ||
    everAssigned(read.log).includes(me) ||
    campaign?.owner_id === me ||
    (campaign?.admin_ids ?? []).includes(me) ||
    owners.some((owner) => owner.identity_id === me);
  if (!visible) return undefined;

  await loadPolicyDefinitions(em, [row]);
  const step = policyStep(row.policyName, row.policyVersion, row.stepIndex);
  const noRights: TaskRights = {
    decide: false,
    comment: false,
    reassign: false,
    remind: false,
    repair: false,
    repairUnlisted: false,
    approveRevocation: false,
    markProvisioned: false,
    followUpRevocation: false,
    confirmByHand: false,
  };
  return {
    view: {
      id: row.id,
      source: 'projection',
      notice: read.notice,
      status: row.status,
      closed: row.status !== 'open',
      campaignId: row.campaignId,
      campaignName: row.campaignName ?? '',
      stepIndex: row.stepIndex,
      stepName: row.stepName,
      stepCount: null,
      stepDueAt: row.stepDueAt?.toISOString() ?? null,
      policyName: row.policyName,
      policyVersion: row.policyVersion,
      assigneeIds: row.assigneeIds,
      resolvingReviewers: false,
      commentRequired: step?.commentRequired ?? { certify: false, remove: false },
      subject: {
        grantId: row.grantId,
        applicationId: row.applicationId,
        applicationName: row.applicationName ?? '',
        resourceId: row.resourceId,
        resourceName: row.resourceName ?? '',
        resourceType: row.resourceType ?? '',
        riskLevel: row.riskLevel ?? '',
        principalType: row.principalType ?? 'account',
        accountId: row.accountId,
        accountName: row.accountName ?? row.groupName ?? '',
        subjectIdentityId: row.subjectIdentityId,
        subjectName: row.subjectName ?? '',
        inherited: row.inherited,
        grantedVia: row.grantedVia,
      },
      revocation: row.revocationStatus ? { status: row.revocationStatus } : undefined,
      log: read.log,
    },
    rights: noRights,
  };
}
