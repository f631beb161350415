import { msToNumber } from '@temporalio/common/lib/time.js';
import type { Duration } from '@temporalio/common';

/**
 * Review policy types and pure helpers. Workflow code imports this file, so it must stay free
 * of I/O; validation of policy files lives with the publish command.
 */

/** Who reviews at a step. */
export type ReviewerRule =
  /** The subject identity's manager. */
  | { kind: 'manager' }
  /** The owners of the application the account belongs to. */
  | { kind: 'application_owner' }
  /** The owners of the resource under review. */
  | { kind: 'resource_owner' }
  /** The subject identity itself (self-attestation; needs allowSelfReview). */
  | { kind: 'subject' }
  /** Named identities, by email; any one of them may decide. */
  | { kind: 'identities'; emails: string[] }
  /** Members of a group in an application, for example a GitHub team; any one may decide. */
  | { kind: 'group'; application: string; group: string };

/** One review step. Durations use Temporal's format: a number of ms or a string like `7d`. */
export interface PolicyStep {
  name: string;
  reviewer: ReviewerRule;
  /** Used when the rule finds nobody, or finds only the subject and self-review is off. */
  fallbackReviewerEmails: string[];
  /** Time from the step's start until it is overdue. */
  due: string;
  /** Reminder cadence while the step is open; omit for no reminders. */
  remindEvery?: string;
  /** Who takes over an overdue step; omit to leave it with the assignee and only remind. */
  escalateToEmails?: string[];
  commentRequired: { certify: boolean; remove: boolean };
  /** Whether a reviewer may decide on their own access. Off by default. */
  allowSelfReview: boolean;
}

/** What happens after a remove decision. */
export type RevocationPolicy = (
  | { mode: 'automatic'; connector: string }
  | { mode: 'manual' }
  | {
      mode: 'approval';
      approverEmails: string[];
      /** How the removal is carried out once approved. */
      then: { mode: 'automatic'; connector: string } | { mode: 'manual' };
    }
) & {
  /**
   * Reminder cadence while the removal waits for people (approvers, the people who remove by
   * hand, or the follow-up of a failure); omit for no reminders.
   */
  remindEvery?: string;
};

/** The content of one published policy version. */
export interface PolicyDefinition {
  name: string;
  description?: string;
  steps: PolicyStep[];
  revocation: RevocationPolicy;
}

/** A policy definition pinned to its published version. */
export interface PolicyVersion {
  name: string;
  version: number;
  definition: PolicyDefinition;
}

/** A policy duration (`30s`, `4h`, `7d`) in milliseconds. */
export function durationMs(text: string): number {
  return msToNumber(text as Duration);
}
