import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/** Which grants a campaign reviews. Empty lists mean "all". */
export interface CampaignScope {
  applicationKeys: string[];
  resourceTypes: string[];
  riskLevels: string[];
  /** direct, inherited or both. */
  grantKind: 'direct' | 'inherited' | 'both';
  /** account or group grants. */
  principalType: 'account' | 'group' | 'both';
  includeDisabledAccounts: boolean;
  includeOrphanedAccounts: boolean;
}

/** A scoped review run. */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaign',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(400),
    /** Markdown shown to reviewers; rendered with raw HTML disabled. */
    instructions: p.text().default(''),
    /** Incremented on every edit, so a decision records which text the reviewer saw. */
    instructionsRevision: p.integer().default(1),
    /** by_application, by_user or unstructured. */
    defaultView: p.string().length(20).default('by_application'),
    scope: p.json<CampaignScope>(),
    policyName: p.string().length(200),
    policyVersion: p.integer(),
    owner: () => p.manyToOne(Identity).deleteRule('restrict'),
    /** Identity ids allowed to administer this campaign besides its owner. */
    adminIds: p.json<number[]>().default('[]'),
    startsAt: p.datetime().columnType('timestamptz').nullable(),
    dueAt: p.datetime().columnType('timestamptz'),
    /** leave_open, certify, remove or follow_recommendation. */
    noResponseRule: p.string().length(30).default('leave_open'),
    /** draft, launching, active, closing or closed. */
    status: p.string().length(20).default('draft'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    launchedAt: p.datetime().columnType('timestamptz').nullable(),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type ICampaign = InferEntity<typeof Campaign>;
