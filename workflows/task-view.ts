/** Pure views of task state: summaries for the Temporal UI, projection rows, search attributes. */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ProjectionInput } from '../activities/projection.js';
import type { ActionResult } from './messages.js';
import { taskSearchAttributeKeys as keys } from './search-attributes.js';
import type { ReviewTaskInput, TaskState, TaskSubject } from './task-state.js';

/** The one-line summary shown in the Temporal UI's workflow list: whose access to what. */
export function taskSummary(subject: TaskSubject): string {
  return `Review ${subject.subjectName} (${subject.accountName}) · ${subject.applicationName} · ${subject.resourceName}`;
}

export function initialState(input: ReviewTaskInput, now: Date): TaskState {
  return {
    taskId: input.taskId,
    campaignId: input.campaignId,
    campaignName: input.campaignName,
    subject: input.subject,
    policy: input.policy,
    status: 'open',
    closed: false,
    stepIndex: 0,
    assigneeIds: [],
    assignedVia: 'none',
    resolvingReviewers: true,
    stepStartedAt: now.toISOString(),
    stepDueAt: null,
    closedAt: null,
    deciders: [],
    campaignOwnerId: input.campaignOwnerId,
    campaignAdminIds: input.campaignAdminIds,
    superAdminIds: input.superAdminIds,
    ...(input.insights ? { insights: input.insights } : {}),
    ...(input.recommendation ? { recommendation: input.recommendation } : {}),
    insightsVersion: input.insights ? 1 : 0,
    instructionsRevision: input.instructionsRevision ?? 1,
    version: 0,
    log: [],
  };
}

export function actionResult(state: TaskState): ActionResult {
  return {
    status: state.status,
    stepIndex: state.stepIndex,
    assigneeIds: state.assigneeIds,
    version: state.version,
  };
}

/** Markdown for the Temporal UI's "current details": step, assignee, due time, revocation. */
export function currentDetails(state: TaskState): string {
  const steps = state.policy.definition.steps;
  const step = steps[state.stepIndex];
  const lines = [
    `**Status:** ${state.status}`,
    `**Policy:** ${state.policy.name} v${state.policy.version}`,
  ];
  if (!state.closed && step) {
    lines.push(`**Step ${state.stepIndex + 1}/${steps.length}:** ${step.name}`);
    lines.push(
      `**Assignee:** ${state.resolvingReviewers ? 'being resolved' : state.assigneeIds.length ? state.assigneeIds.map((id) => `identity ${id}`).join(', ') : 'nobody (reassign it)'}`,
    );
    if (state.stepDueAt) lines.push(`**Due:** ${state.stepDueAt}`);
  }
  if (state.revocation) lines.push(`**Revocation:** ${state.revocation.status}`);
  return lines.join('\n');
}

export function searchAttributeUpdates(state: TaskState): SearchAttributeUpdatePair[] {
  return [
    { key: keys.status, value: state.status },
    { key: keys.assignee, value: state.assigneeIds.length ? String(state.assigneeIds[0]) : null },
    { key: keys.policy, value: state.policy.name },
    { key: keys.policyVersion, value: state.policy.version },
    { key: keys.dueAt, value: state.stepDueAt ? new Date(state.stepDueAt) : null },
  ] as SearchAttributeUpdatePair[];
}

/** Attributes that never change during a task; set when the task starts. */
export function initialSearchAttributes(input: ReviewTaskInput): SearchAttributeUpdatePair[] {
  return [
    { key: keys.campaignId, value: input.campaignId === null ? 'none' : String(input.campaignId) },
    { key: keys.application, value: input.subject.applicationKey },
    { key: keys.risk, value: input.subject.riskLevel },
  ] as SearchAttributeUpdatePair[];
}

/** The projection write for this state, with the log entries after `sinceSeq`. */
export function projectionInput(state: TaskState, sinceSeq: number): ProjectionInput {
  const s = state.subject;
  return {
    row: {
      taskId: state.taskId,
      campaignId: state.campaignId,
      grantId: s.grantId,
      applicationId: s.applicationId,
      resourceId: s.resourceId,
      accountId: s.accountId,
      subjectIdentityId: s.subjectIdentityId,
      status: state.status,
      revocationStatus: state.revocation?.status ?? null,
      revocationActorIds: state.revocation?.waitingFor ?? [],
      assigneeId: state.assigneeIds[0] ?? null,
      assigneeIds: state.assigneeIds,
      stepIndex: state.stepIndex,
      stepName: state.policy.definition.steps[state.stepIndex]?.name ?? null,
      policyName: state.policy.name,
      policyVersion: state.policy.version,
      stateVersion: state.version,
      riskLevel: s.riskLevel,
      recommendation: state.recommendation?.kind ?? null,
      summary: taskSummary(s),
      stepDueAt: state.stepDueAt,
      closedAt: state.closedAt,
    },
    entries: state.log.filter((entry) => entry.seq > sinceSeq),
  };
}

/** The request to the people a removal waits for, by its status, as lists and reminders word it. */
const REMOVAL_REQUESTS: Record<string, string> = {
  pending_approval: 'approve or deny the removal',
  awaiting_manual: 'remove the access by hand, then mark it as provisioned',
  failed: 'the removal failed: retry it or confirm it was removed by hand',
  verification_failed:
    'the access is still there after the removal: retry it or confirm it was removed by hand',
};

/** Returns the request that a removal in `status` makes of the people it waits for. */
export function removalRequest(status: string): string {
  return REMOVAL_REQUESTS[status] ?? status;
}
