import { z } from 'zod';
import { parseEnv } from '../../runtime/env.js';

/** Risk levels from lowest to highest; comparisons use this order. */
export const RISK_ORDER = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_ORDER)[number];

const riskLevel = (defaultValue: RiskLevel) =>
  z.enum(RISK_ORDER, { error: 'expected low, medium, high or critical' }).default(defaultValue);

const share = (defaultValue: number) =>
  z.coerce
    .number({ error: 'expected a share between 0 and 1, such as 0.1 for 10%' })
    .min(0, 'expected a share between 0 and 1')
    .max(1, 'expected a share between 0 and 1')
    .default(defaultValue);

const wholeNumber = (defaultValue: number, min: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min, `expected a whole number of at least ${min}`)
    .default(defaultValue);

const schema = z.object({
  RECERT_INSIGHTS_UNUSED_DAYS: wholeNumber(90, 1),
  RECERT_INSIGHTS_CLOSER_LOOK_RISK: riskLevel('high'),
  RECERT_INSIGHTS_PRIVILEGED_RISK: riskLevel('high'),
  RECERT_INSIGHTS_PEER_MIN_GROUP: wholeNumber(5, 1),
  RECERT_INSIGHTS_PEER_MAX_SHARE: share(0.05),
  RECERT_INSIGHTS_SERVICE_HUMAN_SHARE: share(0.5),
  RECERT_INSIGHTS_FAST_DECISION_SECONDS: wholeNumber(10, 0),
});

/** Thresholds of the recommendation rules and of the decision report. docs/insights.md lists them. */
export interface InsightsConfig {
  /** Days without use or login after which access counts as unused ("remove this access"). */
  unusedAfterDays: number;
  /** Resources at this risk level or above get "take a closer look". */
  closerLookRisk: RiskLevel;
  /** Inherited grants at this risk level or above count as privileged. */
  privilegedRisk: RiskLevel;
  /** Minimum number of other members a peer group needs before a peer claim is made about it. */
  peerMinGroup: number;
  /** A grant is a peer outlier when at most this share of peers holds it in every usable group. */
  peerMaxShare: number;
  /**
   * A service account's grant is human-style when at least this share of the other accounts
   * holding the resource are human accounts.
   */
  serviceHumanShare: number;
  /** Decisions made within this many seconds of assignment count as fast in the report. */
  fastDecisionSeconds: number;
}

/** Reads the insights thresholds from RECERT_INSIGHTS_* variables; invalid values raise ConfigError. */
export function loadInsightsConfig(env: NodeJS.ProcessEnv = process.env): InsightsConfig {
  const parsed = parseEnv(schema, env);
  return {
    unusedAfterDays: parsed.RECERT_INSIGHTS_UNUSED_DAYS,
    closerLookRisk: parsed.RECERT_INSIGHTS_CLOSER_LOOK_RISK,
    privilegedRisk: parsed.RECERT_INSIGHTS_PRIVILEGED_RISK,
    peerMinGroup: parsed.RECERT_INSIGHTS_PEER_MIN_GROUP,
    peerMaxShare: parsed.RECERT_INSIGHTS_PEER_MAX_SHARE,
    serviceHumanShare: parsed.RECERT_INSIGHTS_SERVICE_HUMAN_SHARE,
    fastDecisionSeconds: parsed.RECERT_INSIGHTS_FAST_DECISION_SECONDS,
  };
}

/** The defaults, as `loadInsightsConfig({})` returns them. */
export const DEFAULT_INSIGHTS_CONFIG: InsightsConfig = loadInsightsConfig({});

/** Returns whether `level` is at or above `threshold`. Unknown levels are below every threshold. */
export function riskAtLeast(level: string, threshold: RiskLevel): boolean {
  const index = RISK_ORDER.indexOf(level as RiskLevel);
  return index >= 0 && index >= RISK_ORDER.indexOf(threshold);
}
