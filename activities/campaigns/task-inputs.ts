import type { SearchAttributePair } from '@temporalio/common';
import type { CampaignRecord } from '../../db/campaigns/campaign-repository.js';
import type { GrantInsights } from '../insights/index.js';
import type { PolicyVersion } from '../../workflows/policy.js';
import { taskSearchAttributeKeys as keys } from '../../workflows/search-attributes.js';
import type { AssignedVia, ReviewTaskInput, TaskSubject } from '../../workflows/task-state.js';

/** One row of `campaign_grant` as the launch reads it. */
export interface SnapshotRow {
  seq: number;
  grant_id: number;
  task_id: string;
  application_id: number;
  application_key: string;
  application_name: string;
  resource_id: number;
  resource_external_id: string;
  resource_name: string;
  resource_type: string;
  risk_level: string;
  principal_type: 'account' | 'group';
  account_id: number | null;
  principal_external_id: string;
  principal_name: string;
  subject_identity_id: number | null;
  subject_name: string;
  inherited: boolean;
  granted_via: string[];
  assignee_ids: number[];
  assigned_via: AssignedVia;
  /** True when a projection row for the task exists, so it was started before. */
  projected: boolean;
}

/** The snapshot columns the launch reads, in `SnapshotRow` order. */
export const SNAPSHOT_ROW_COLUMNS = `cg.seq, cg.grant_id, cg.task_id, cg.application_id,
  cg.application_key, cg.application_name, cg.resource_id, cg.resource_external_id,
  cg.resource_name, cg.resource_type, cg.risk_level, cg.principal_type, cg.account_id,
  cg.principal_external_id, cg.principal_name, cg.subject_identity_id, cg.subject_name,
  cg.inherited, cg.granted_via, cg.assignee_ids, cg.assigned_via`;

export function subjectOf(row: SnapshotRow): TaskSubject {
  return {
    grantId: row.grant_id,
    applicationId: row.application_id,
    applicationKey: row.application_key,
    applicationName: row.application_name,
    resourceId: row.resource_id,
    resourceExternalId: row.resource_external_id,
    resourceName: row.resource_name,
    resourceType: row.resource_type,
    riskLevel: row.risk_level,
    principalType: row.principal_type,
    accountId: row.account_id,
    accountExternalId: row.principal_external_id,
    accountName: row.principal_name,
    subjectIdentityId: row.subject_identity_id,
    subjectName: row.subject_name,
    inherited: row.inherited,
    grantedVia: row.granted_via,
  };
}

/** Values every task of one campaign launch shares. */
export interface LaunchContext {
  campaign: CampaignRecord;
  policy: PolicyVersion;
  campaignAdminIds: number[];
  superAdminIds: number[];
}

/**
 * Builds the complete input of one review task. Its first step's reviewers, insights and the
 * admins come from the launch, so the task's first workflow task runs no activity before assigning.
 */
export function reviewTaskInput(
  launch: LaunchContext,
  row: SnapshotRow,
  insights: GrantInsights | undefined,
): ReviewTaskInput {
  return {
    taskId: row.task_id,
    campaignId: launch.campaign.id,
    campaignName: launch.campaign.name,
    subject: subjectOf(row),
    policy: launch.policy,
    firstStepAssigneeIds: row.assignee_ids,
    firstStepAssignedVia: row.assigned_via,
    // The launch sends each reviewer one digest for the whole campaign instead.
    firstStepNotified: true,
    ...(insights ? { insights: insights.insights, recommendation: insights.recommendation } : {}),
    instructionsRevision: launch.campaign.instructionsRevision,
    campaignOwnerId: launch.campaign.ownerId,
    campaignAdminIds: launch.campaignAdminIds,
    superAdminIds: launch.superAdminIds,
  };
}

/**
 * Search attributes a task carries from its start, so the Temporal UI can filter a campaign's
 * tasks before their first workflow task has run. The workflow sets the same values again.
 */
export function startSearchAttributes(input: ReviewTaskInput): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: keys.campaignId, value: String(input.campaignId) },
    { key: keys.application, value: input.subject.applicationKey },
    { key: keys.risk, value: input.subject.riskLevel },
    { key: keys.status, value: 'open' },
    { key: keys.policy, value: input.policy.name },
    { key: keys.policyVersion, value: input.policy.version },
  ];
  const firstAssignee = input.firstStepAssigneeIds?.[0];
  if (firstAssignee !== undefined) pairs.push({ key: keys.assignee, value: String(firstAssignee) });
  return pairs;
}
