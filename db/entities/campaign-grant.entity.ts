import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';

/**
 * One grant in a campaign's frozen snapshot, written once at preview with everything its
 * review task needs: the names shown to reviewers and the first step's reviewers. The launch
 * starts one task per row and later imports do not change it. No foreign key to `grant`:
 * the snapshot must outlive the access data it was taken from.
 */
export const CampaignGrant = defineEntity({
  name: 'CampaignGrant',
  tableName: 'campaign_grant',
  properties: {
    campaign: () => p.manyToOne(Campaign).primary().deleteRule('cascade'),
    grantId: p.integer().primary(),
    /** Launch order from 1; the launch's heartbeat records the last one started. */
    seq: p.integer(),
    /** Workflow id of the grant's review task, `review-c<campaign>-g<grant>`. */
    taskId: p.string().length(200).unique(),
    applicationId: p.integer(),
    applicationKey: p.string().length(200),
    applicationName: p.string().length(400),
    resourceId: p.integer(),
    resourceExternalId: p.string().length(1000),
    resourceName: p.string().length(1000),
    resourceType: p.string().length(200),
    riskLevel: p.string().length(20),
    /** account or group. */
    principalType: p.string().length(20),
    accountId: p.integer().nullable(),
    groupId: p.integer().nullable(),
    /** The account's or group's id in its application. */
    principalExternalId: p.string().length(1000),
    /** The account's login (or display name), or the group's name. */
    principalName: p.string().length(1000),
    /** enabled, disabled or unknown; null for group grants. */
    accountStatus: p.string().length(20).nullable(),
    subjectIdentityId: p.integer().nullable(),
    subjectName: p.string().length(400),
    /** The subject identity's employment status; null when there is none. */
    identityStatus: p.string().length(20).nullable(),
    inherited: p.boolean(),
    /** Names of the resources an inherited grant comes through. */
    grantedVia: p.json<string[]>(),
    /** Reviewers of the first step, resolved in bulk; empty when nobody qualifies. */
    assigneeIds: p.json<number[]>(),
    /** rule, fallback or none. */
    assignedVia: p.string().length(20),
    /** Why the fallback was used or why nobody was found; null when the rule found reviewers. */
    reviewerReason: p.text().nullable(),
  },
  uniques: [{ properties: ['campaign', 'seq'] }],
});

export type ICampaignGrant = InferEntity<typeof CampaignGrant>;
