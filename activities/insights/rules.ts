/**
 * The recommendation rules: pure functions from an insights snapshot and the thresholds to
 * "remove this access", "take a closer look" or no recommendation, each with its reasons.
 * Change RULE_VERSION whenever a rule or a reason's meaning changes, because decisions record
 * it as the provenance of what reviewers were shown.
 */
import type {
  InsightsSnapshot,
  PeerCount,
  Recommendation,
  RecommendationKind,
} from '../../workflows/insights.js';
import { riskAtLeast, type InsightsConfig } from './config.js';

export const RULE_VERSION = 'recert-rules/1';

/** One rule that matched, with its plain-language reason. */
export interface RuleFinding {
  rule: RuleName;
  kind: Exclude<RecommendationKind, 'none'>;
  reason: string;
}

export type RuleName =
  | 'terminated'
  | 'orphaned'
  | 'disabled'
  | 'unused'
  | 'high_risk'
  | 'peer_outlier'
  | 'inherited_privileged'
  | 'service_human_style'
  | 'identity_inactive'
  | 'grant_removed';

const PEER_KINDS = ['department', 'manager', 'title'] as const;

function day(iso: string): string {
  return iso.slice(0, 10);
}

function percent(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function describePeers(kind: (typeof PEER_KINDS)[number], peers: PeerCount): string {
  const where =
    kind === 'department'
      ? `in ${peers.label}`
      : kind === 'manager'
        ? `reporting to ${peers.label}`
        : `with the title ${peers.label}`;
  return `${peers.holding} of ${plural(peers.total, 'peer')} ${where}`;
}

/** Remove: the identity behind the account has left. */
export function terminatedRule(insights: InsightsSnapshot): RuleFinding | undefined {
  if (insights.identityStatus !== 'terminated') return undefined;
  const since = insights.identityTerminatedAt ? ` on ${day(insights.identityTerminatedAt)}` : '';
  return {
    rule: 'terminated',
    kind: 'remove',
    reason: `The person was terminated${since}, yet the account still holds this access.`,
  };
}

/** Remove: a human account that matches no identity in the directory. */
export function orphanedRule(insights: InsightsSnapshot): RuleFinding | undefined {
  if (!insights.orphaned) return undefined;
  return {
    rule: 'orphaned',
    kind: 'remove',
    reason:
      'The account matches no identity in the directory (orphaned), yet it holds this access.',
  };
}

/** Remove: the application disabled the account but the grant is still there. */
export function disabledRule(insights: InsightsSnapshot): RuleFinding | undefined {
  if (!insights.accountDisabled) return undefined;
  return {
    rule: 'disabled',
    kind: 'remove',
    reason: 'The account is disabled in the application, yet it still holds this access.',
  };
}

/**
 * Remove: no use or login for longer than the window. Without a last-use or last-login time
 * nothing is claimed, because missing data is not evidence of inactivity.
 */
export function unusedRule(
  insights: InsightsSnapshot,
  config: InsightsConfig,
): RuleFinding | undefined {
  const days = insights.daysSinceLastUse;
  if (days === undefined || !insights.lastUsedAt) return undefined;
  if (days <= config.unusedAfterDays) return undefined;
  const what = insights.lastActivity === 'use' ? 'last used' : 'last login';
  return {
    rule: 'unused',
    kind: 'remove',
    reason: `Unused for ${plural(days, 'day')} (${what} ${day(insights.lastUsedAt)}); the limit is ${plural(config.unusedAfterDays, 'day')}.`,
  };
}

/** Closer look: the resource's risk level is at or above the configured level. */
export function highRiskRule(
  insights: InsightsSnapshot,
  config: InsightsConfig,
): RuleFinding | undefined {
  if (!riskAtLeast(insights.riskLevel, config.closerLookRisk)) return undefined;
  return {
    rule: 'high_risk',
    kind: 'closer_look',
    reason: `The resource's risk level is ${insights.riskLevel}; resources at ${config.closerLookRisk} or above get a closer look.`,
  };
}

/**
 * Closer look: few peers hold the resource. A claim needs at least one peer group with
 * `peerMinGroup` or more other members, and then every known peer group, small ones included,
 * must hold the resource at or below `peerMaxShare`. So a colleague in a tiny department who
 * holds the same access is enough to make no claim. Without any large enough group (no
 * department, no manager, tiny teams) no claim is made either.
 */
export function peerOutlierRule(
  insights: InsightsSnapshot,
  config: InsightsConfig,
): RuleFinding | undefined {
  const known = PEER_KINDS.flatMap((kind) => {
    const peers = insights.peers[kind];
    return peers && peers.total > 0 ? [{ kind, peers }] : [];
  });
  if (!known.some(({ peers }) => peers.total >= config.peerMinGroup)) return undefined;
  const rare = known.every(({ peers }) => peers.holding / peers.total <= config.peerMaxShare);
  if (!rare) return undefined;
  const counts = known.map(({ kind, peers }) => describePeers(kind, peers)).join('; ');
  return {
    rule: 'peer_outlier',
    kind: 'closer_look',
    reason: `Few peers hold this access: ${counts}. The limit is ${percent(config.peerMaxShare)} of peers.`,
  };
}

/** Closer look: privileged access that reaches the account through a group or another resource. */
export function inheritedPrivilegedRule(
  insights: InsightsSnapshot,
  config: InsightsConfig,
): RuleFinding | undefined {
  if (insights.grantKind !== 'inherited') return undefined;
  const risky = riskAtLeast(insights.riskLevel, config.privilegedRisk);
  if (!risky && !insights.grantsOwnership) return undefined;
  const via = insights.inheritedVia.length
    ? `through ${insights.inheritedVia.join(', ')}`
    : 'through a group';
  const why = risky
    ? `its risk level is ${insights.riskLevel}`
    : 'it makes the holder an owner of the parent object';
  return {
    rule: 'inherited_privileged',
    kind: 'closer_look',
    reason: `Privileged access inherited ${via}: ${why}.`,
  };
}

/**
 * Closer look: a service account holding a resource that is mostly held by people. Resources
 * that only service accounts hold make no claim.
 */
export function serviceHumanStyleRule(
  insights: InsightsSnapshot,
  config: InsightsConfig,
): RuleFinding | undefined {
  if (insights.accountType !== 'service' || !insights.otherHolders) return undefined;
  const { humanAccounts, serviceAccounts } = insights.otherHolders;
  const others = humanAccounts + serviceAccounts;
  if (humanAccounts === 0 || humanAccounts / others < config.serviceHumanShare) return undefined;
  return {
    rule: 'service_human_style',
    kind: 'closer_look',
    reason: `A service account holds access that mostly people hold: the other holders are ${plural(humanAccounts, 'human account')} and ${plural(serviceAccounts, 'service account')} (${percent(humanAccounts / others)} human); the limit is ${percent(config.serviceHumanShare)}.`,
  };
}

/** Closer look: the directory marks the identity inactive (not on leave, not terminated). */
export function identityInactiveRule(insights: InsightsSnapshot): RuleFinding | undefined {
  if (insights.identityStatus !== 'inactive') return undefined;
  return {
    rule: 'identity_inactive',
    kind: 'closer_look',
    reason: 'The directory marks the person as inactive.',
  };
}

/** Closer look: the latest import no longer contains the grant, so it may already be gone. */
export function grantRemovedRule(insights: InsightsSnapshot): RuleFinding | undefined {
  if (!insights.grantRemovedAt) return undefined;
  return {
    rule: 'grant_removed',
    kind: 'closer_look',
    reason: `The latest import no longer contains this grant (missing since ${day(insights.grantRemovedAt)}); check whether it was already removed.`,
  };
}

/** Runs every rule in a fixed order: remove rules first, then closer-look rules. */
export function evaluateRules(insights: InsightsSnapshot, config: InsightsConfig): RuleFinding[] {
  const findings = [
    terminatedRule(insights),
    orphanedRule(insights),
    disabledRule(insights),
    unusedRule(insights, config),
    grantRemovedRule(insights),
    highRiskRule(insights, config),
    peerOutlierRule(insights, config),
    inheritedPrivilegedRule(insights, config),
    serviceHumanStyleRule(insights, config),
    identityInactiveRule(insights),
  ];
  return findings.filter((finding): finding is RuleFinding => finding !== undefined);
}

/** Lists the thresholds as recorded with each recommendation. */
export function thresholdsOf(config: InsightsConfig): Record<string, string | number> {
  return {
    unusedAfterDays: config.unusedAfterDays,
    closerLookRisk: config.closerLookRisk,
    privilegedRisk: config.privilegedRisk,
    peerMinGroup: config.peerMinGroup,
    peerMaxShare: config.peerMaxShare,
    serviceHumanShare: config.serviceHumanShare,
  };
}

/**
 * Recommends "remove this access" when any remove rule matches, otherwise "take a closer
 * look" when any closer-look rule matches, otherwise nothing. The reasons list every finding,
 * remove reasons first, so a reviewer sees all the facts behind the flag.
 */
export function recommend(insights: InsightsSnapshot, config: InsightsConfig): Recommendation {
  const findings = evaluateRules(insights, config);
  let kind: RecommendationKind = 'none';
  if (findings.some((finding) => finding.kind === 'remove')) kind = 'remove';
  else if (findings.length > 0) kind = 'closer_look';
  return {
    kind,
    reasons: findings.map((finding) => finding.reason),
    ruleVersion: RULE_VERSION,
    thresholds: thresholdsOf(config),
  };
}
