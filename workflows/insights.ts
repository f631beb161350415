/**
 * What a reviewer is shown beside a task. Computed in bulk by activities at launch (and on
 * processNow or hardReset), carried in the workflow, and copied into the task log with each
 * decision so an auditor sees exactly what the reviewer saw.
 */

/**
 * How many peers of the subject hold the same resource, out of how many peers. Peers are the
 * other identities with the same attribute, terminated ones left out; the subject is never
 * counted.
 */
export interface PeerCount {
  /** The peer group's label, for example the department name or the manager's name. */
  label: string;
  holding: number;
  total: number;
}

export interface InsightsSnapshot {
  /** ISO time the snapshot was computed. */
  computedAt: string;
  /** Distinct identities that hold this resource. */
  identitiesHoldingResource: number;
  peers: {
    department?: PeerCount;
    manager?: PeerCount;
    title?: PeerCount;
  };
  /** low, medium, high or critical. */
  riskLevel: string;
  /** ISO time of the account's last use or last login, when the source reports one. */
  lastUsedAt?: string;
  daysSinceLastUse?: number;
  /**
   * active, disabled, orphaned (no matching identity) or service; disabled wins over the
   * others. group when the principal is a group, which has no account.
   */
  accountStatus: 'active' | 'disabled' | 'orphaned' | 'service' | 'group';
  grantKind: 'direct' | 'inherited';
  /** Names of the groups or resources an inherited grant comes through. */
  inheritedVia: string[];
  /** The subject identity's employment status, when there is an identity. */
  identityStatus?: string;
  grantAgeDays?: number;

  // Added with rule version 1; snapshots taken before it lack these fields.
  /** account or group: a group grant has no account, so account facts are left out. */
  principalType?: 'account' | 'group';
  /** Which of the account's timestamps `lastUsedAt` is: last use, or last login. */
  lastActivity?: 'use' | 'login';
  accountType?: 'human' | 'service';
  /** The application reports the account as disabled. */
  accountDisabled?: boolean;
  /** A human account that matches no identity. */
  orphaned?: boolean;
  /** ISO date the identity was terminated, when the directory states it. */
  identityTerminatedAt?: string;
  /** Holding the resource makes the holder an owner of its parent object. */
  grantsOwnership?: boolean;
  /** Other accounts (not the subject's) that hold the resource, by account type. */
  otherHolders?: { humanAccounts: number; serviceAccounts: number };
  /** ISO time the grant was first imported; `grantAgeDays` counts from it. */
  grantFirstSeenAt?: string;
  /** ISO time the latest import no longer contained the grant. */
  grantRemovedAt?: string;
}

/** none, closer_look ("take a closer look") or remove ("remove this access"). */
export type RecommendationKind = 'none' | 'closer_look' | 'remove';

export interface Recommendation {
  kind: RecommendationKind;
  /** Plain-language reasons with the numbers behind them. */
  reasons: string[];
  /** Version of the rules that produced this recommendation. */
  ruleVersion: string;
  /** The thresholds the rules used, so the reasons can be checked later. */
  thresholds?: Record<string, string | number>;
}
