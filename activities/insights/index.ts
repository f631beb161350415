export { computeInsights, refreshGrantInsights, type GrantInsights } from './compute.js';
export {
  DEFAULT_INSIGHTS_CONFIG,
  loadInsightsConfig,
  riskAtLeast,
  type InsightsConfig,
} from './config.js';
export { RULE_VERSION, evaluateRules, recommend, type RuleFinding } from './rules.js';
export {
  decisionReport,
  percentOf,
  type CampaignDecisionStats,
  type DecisionReport,
  type DecisionStats,
  type ReviewerDecisionStats,
} from './report.js';
