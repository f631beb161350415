/**
 * Messages of the campaign workflow. Like review tasks, each action is a signal (for the
 * Temporal UI) and an update with a validator (for the web and CLI, which learn at once whether
 * it was accepted). The wire name is the constant's name without its suffix.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Outcome given to tasks still open when the campaign closes. */
export type NoResponseRule = 'leave_open' | 'certify' | 'remove' | 'follow_recommendation';

/** launching (starting tasks), active (reviewers decide), closing, closed. */
export type CampaignPhase = 'launching' | 'active' | 'closing' | 'closed';

export interface CloseCampaignInput {
  /** Identity id of the admin closing it; null from the command line or the deadline. */
  actorId: number | null;
  /** Audit label of the actor: `identity:<id>`, `cli:<os user>` or `system`. */
  actor: string;
  /** Overrides the campaign's no-response rule for this close. */
  rule?: NoResponseRule;
  reason?: string;
}

export interface RemindReviewersInput {
  actorId: number | null;
  actor: string;
  /** Names the request, so a retried request sends each reviewer one digest. */
  requestId: string;
}

/** Counts of one launch, as the launch activity returned them. */
export interface LaunchSummary {
  total: number;
  started: number;
  existing: number;
}

/** Counts of one close, as the close activity returned them. */
export interface CloseSummary {
  certify: number;
  remove: number;
  leaveOpen: number;
  alreadyClosed: number;
  missing: number;
  rejected: number;
}

/** The campaign workflow's state, as `getCampaign` returns it and continue-as-new carries it. */
export interface CampaignRunState {
  campaignId: number;
  phase: CampaignPhase;
  dueAt: string;
  launched?: LaunchSummary;
  closeRequest?: CloseCampaignInput & { requestedAt: string; byDeadline: boolean };
  closed?: CloseSummary & { rule: NoResponseRule };
  /** The latest reminder requests, newest last; at most 20 are kept. */
  reminders: (RemindReviewersInput & { requestedAt: string; sent?: number })[];
}

export const closeCampaignSignal = defineSignal<[CloseCampaignInput]>('closeCampaign');
export const closeCampaignUpdate = defineUpdate<CampaignRunState, [CloseCampaignInput]>(
  'closeCampaign',
);
export const remindReviewersSignal = defineSignal<[RemindReviewersInput]>('remindReviewers');
export const remindReviewersUpdate = defineUpdate<CampaignRunState, [RemindReviewersInput]>(
  'remindReviewers',
);
export const getCampaignQuery = defineQuery<CampaignRunState>('getCampaign');
