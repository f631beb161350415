/**
 * What a reviewer is shown beside a task. Computed in bulk by activities at launch (and on
 * processNow or hardReset), carried in the workflow, and copied into the task log with each
 * decision so an auditor sees exactly what the reviewer saw.
 */

/** How many peers of the subject hold the same resource, out of how many peers. */
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
  /** active, disabled, orphaned (no matching identity) or service. */
  accountStatus: 'active' | 'disabled' | 'orphaned' | 'service';
  grantKind: 'direct' | 'inherited';
  /** Names of the groups or resources an inherited grant comes through. */
  inheritedVia: string[];
  /** The subject identity's employment status, when there is an identity. */
  identityStatus?: string;
  grantAgeDays?: number;
}

/** none, closer_look ("take a closer look") or remove ("remove this access"). */
export type RecommendationKind = 'none' | 'closer_look' | 'remove';

export interface Recommendation {
  kind: RecommendationKind;
  /** Plain-language reasons with the numbers behind them. */
  reasons: string[];
  /** Version of the rules that produced this recommendation. */
  ruleVersion: string;
}
