import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes set on every review task so the Temporal UI and
 * `temporal workflow list --query` can filter tasks. Only identity ids, never names or
 * emails, go into them. Keyword, Int and Datetime only: the dev server's SQLite visibility
 * store allows just three Text attributes. `RecertAssignee` holds the first assignee when a
 * step has several.
 */
export const searchAttributes = {
  campaignId: { name: 'RecertCampaignId', type: 'KEYWORD' },
  assignee: { name: 'RecertAssignee', type: 'KEYWORD' },
  status: { name: 'RecertStatus', type: 'KEYWORD' },
  application: { name: 'RecertApplication', type: 'KEYWORD' },
  risk: { name: 'RecertRisk', type: 'KEYWORD' },
  policy: { name: 'RecertPolicy', type: 'KEYWORD' },
  policyVersion: { name: 'RecertPolicyVersion', type: 'INT' },
  dueAt: { name: 'RecertDueAt', type: 'DATETIME' },
} as const;

export const taskSearchAttributeKeys = {
  campaignId: defineSearchAttributeKey(searchAttributes.campaignId.name, 'KEYWORD'),
  assignee: defineSearchAttributeKey(searchAttributes.assignee.name, 'KEYWORD'),
  status: defineSearchAttributeKey(searchAttributes.status.name, 'KEYWORD'),
  application: defineSearchAttributeKey(searchAttributes.application.name, 'KEYWORD'),
  risk: defineSearchAttributeKey(searchAttributes.risk.name, 'KEYWORD'),
  policy: defineSearchAttributeKey(searchAttributes.policy.name, 'KEYWORD'),
  policyVersion: defineSearchAttributeKey(searchAttributes.policyVersion.name, 'INT'),
  dueAt: defineSearchAttributeKey(searchAttributes.dueAt.name, 'DATETIME'),
};
