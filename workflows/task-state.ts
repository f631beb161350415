import type { InsightsSnapshot, Recommendation } from './insights.js';
import type { PolicyVersion } from './policy.js';

/** The grant under review, with the names shown in pages, notifications and the Temporal UI. */
export interface TaskSubject {
  grantId: number | null;
  applicationId: number | null;
  applicationKey: string;
  applicationName: string;
  resourceId: number | null;
  resourceExternalId: string;
  resourceName: string;
  resourceType: string;
  riskLevel: string;
  /** account or group. */
  principalType: 'account' | 'group';
  accountId: number | null;
  accountExternalId: string;
  accountName: string;
  /** The identity whose access this is; null for orphaned accounts and groups. */
  subjectIdentityId: number | null;
  subjectName: string;
  inherited: boolean;
  /** Names of the groups or resources an inherited grant comes through. */
  grantedVia: string[];
}

/** Everything a review task needs at start, so its first step runs no activity. */
export interface ReviewTaskInput {
  taskId: string;
  campaignId: number | null;
  campaignName: string;
  subject: TaskSubject;
  policy: PolicyVersion;
  /** Reviewers of the first step, resolved in bulk at launch; resolved by activity if absent. */
  firstStepAssigneeIds?: number[];
  /** Source of the first step's assignees (rule, fallback or none), for the task log. */
  firstStepAssignedVia?: AssignedVia;
  /** The campaign already sent each reviewer a digest, so the first step sends no notice. */
  firstStepNotified?: boolean;
  insights?: InsightsSnapshot;
  recommendation?: Recommendation;
  instructionsRevision?: number;
  campaignOwnerId: number | null;
  campaignAdminIds: number[];
  superAdminIds: number[];
  /** Retry settings for the connector call; defaults suit production, tests pass shorter ones. */
  revocationRetry?: RevocationRetry;
  /** State carried over by continue-as-new; absent on a fresh start. */
  resume?: TaskState;
}

export interface RevocationRetry {
  initialIntervalMs: number;
  maximumAttempts: number;
}

/** Approvers of a removal and the people who remove the access by hand. */
export interface RevocationActors {
  approverIds: number[];
  provisionerIds: number[];
  /** True when the application has no active owner, so the campaign owner removes it by hand. */
  provisionersAreCampaignOwner?: boolean;
}

/** Source of a step's assignees. */
export type AssignedVia = 'rule' | 'fallback' | 'none' | 'reassigned' | 'escalated';

export type TaskStatus = 'open' | 'certified' | 'removed' | 'canceled' | 'expired';

export type RevocationStatus =
  | 'pending_approval'
  | 'denied'
  | 'provisioning'
  | 'awaiting_manual'
  | 'revoked'
  | 'verified'
  | 'verification_failed'
  | 'failed';

/**
 * Revocation statuses in which a removal waits for people, with no connector call in flight:
 * approval, removal by hand, or the follow-up of a failure.
 */
export const REMOVAL_WAITING_STATUSES: readonly RevocationStatus[] = [
  'pending_approval',
  'awaiting_manual',
  'failed',
  'verification_failed',
];

/** One entry of the task log. */
export interface TaskLogEntry {
  /** Position in the log, from 1; with the task id it keys the `task_event` row. */
  seq: number;
  type: TaskLogType;
  /** Identity id of the actor; null for the system (timers, campaign rules). */
  actorId: number | null;
  at: string;
  stepIndex: number | null;
  policyName: string;
  policyVersion: number;
  comment?: string;
  /** Type-specific facts: assignees, the insights shown with a decision, revocation outcome. */
  data?: Record<string, unknown>;
}

export type TaskLogType =
  | 'started'
  | 'assigned'
  | 'certified'
  | 'removed'
  | 'reassigned'
  | 'commented'
  | 'reminder_requested'
  | 'reminded'
  | 'escalated'
  | 'step_skipped'
  | 'restarted'
  | 'hard_reset'
  | 'policy_changed'
  | 'canceled'
  | 'processed'
  | 'insights_refreshed'
  | 'closed_by_campaign'
  | 'revocation_started'
  | 'revocation_updated'
  | 'revocation_reminded'
  | 'revocation_reminder_failed'
  | 'rejected'
  /** Written by the delete operation, not the workflow: the task's execution is gone. */
  | 'deleted';

/** The durable state of one review task, returned by the `getTask` query. */
export interface TaskState {
  taskId: string;
  campaignId: number | null;
  campaignName: string;
  subject: TaskSubject;
  policy: PolicyVersion;
  status: TaskStatus;
  /** True once the review is over; no reviewer action is accepted after that. */
  closed: boolean;
  stepIndex: number;
  /** Identity ids who may decide the current step; any one of them may act. */
  assigneeIds: number[];
  assignedVia: AssignedVia;
  /** True while the step waits for an activity to resolve its reviewers. */
  resolvingReviewers: boolean;
  stepStartedAt: string;
  /** When the current assignees got the step (assignment, reassignment or escalation). */
  assignedAt?: string;
  stepDueAt: string | null;
  /** When the review closed (decided, canceled or expired); null while open. */
  closedAt: string | null;
  /** Identity ids that decided earlier steps of this round, in order. */
  deciders: number[];
  campaignOwnerId: number | null;
  campaignAdminIds: number[];
  superAdminIds: number[];
  /**
   * True when repairs (skip step, restart, hard reset, change policy, cancel) need a reason.
   * Tasks started before this rule existed leave it unset, so their histories replay as recorded.
   */
  repairReasonRequired?: boolean;
  insights?: InsightsSnapshot;
  recommendation?: Recommendation;
  /** Incremented whenever insights or the recommendation change. */
  insightsVersion: number;
  instructionsRevision: number;
  revocation?: {
    status: RevocationStatus;
    workflowId: string;
    detail?: string;
    updatedAt: string;
    /** The people the removal waits for, such as approvers; empty while it waits for no one. */
    waitingFor?: number[];
  };
  /** Incremented on every accepted change; the projection ignores writes older than it holds. */
  version: number;
  log: TaskLogEntry[];
}
