import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Projection of one review task workflow for lists, counts and dashboards. The workflow is
 * the source of truth; each write carries its state version and older versions are ignored.
 */
export const ReviewTask = defineEntity({
  name: 'ReviewTask',
  tableName: 'review_task',
  properties: {
    /** The workflow id. */
    id: p.string().length(200).primary(),
    campaignId: p.integer().nullable(),
    grantId: p.integer().nullable(),
    applicationId: p.integer().nullable(),
    resourceId: p.integer().nullable(),
    accountId: p.integer().nullable(),
    subjectIdentityId: p.integer().nullable(),
    /** open, certified, removed or canceled. */
    status: p.string().length(20),
    /** For removed tasks: none, pending_approval, provisioning, manual, revoked, denied or failed. */
    revocationStatus: p.string().length(30).nullable(),
    /** The people the removal waits for: approvers, or the people who remove it by hand. */
    revocationActorIds: p.json<number[]>().default('[]'),
    /** The first assignee, for simple filters; `assigneeIds` holds all of them. */
    assigneeId: p.integer().nullable(),
    assigneeIds: p.json<number[]>().default('[]'),
    stepIndex: p.integer().default(0),
    stepName: p.string().length(200).nullable(),
    policyName: p.string().length(200),
    policyVersion: p.integer(),
    stateVersion: p.integer(),
    riskLevel: p.string().length(20).nullable(),
    /** none, closer_look or remove. */
    recommendation: p.string().length(20).nullable(),
    summary: p.text().nullable(),
    stepDueAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  indexes: [
    { properties: ['campaignId', 'status'] },
    { properties: ['assigneeId', 'status'] },
    // "Removals waiting for you" reads only the rows whose removal waits for someone.
    {
      name: 'review_task_removal_work_index',
      expression: `create index "review_task_removal_work_index" on "review_task" ("updated_at") where "revocation_status" in ('pending_approval', 'awaiting_manual', 'failed', 'verification_failed')`,
    },
  ],
});

export type IReviewTask = InferEntity<typeof ReviewTask>;
