import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/** Which grants a campaign reviews. Empty lists mean "all". */
export interface CampaignScope {
  applicationKeys: string[];
  resourceTypes: string[];
  /** Risk levels of the resource (low, medium, high, critical). */
  riskLevels: string[];
  /** direct, inherited or both. */
  grantKind: 'direct' | 'inherited' | 'both';
  /** account or group grants. */
  principalType: 'account' | 'group' | 'both';
  /** Accounts that are disabled in their application, or whose identity is not active. */
  includeDisabledAccounts: boolean;
  /** Accounts that match no identity. */
  includeOrphanedAccounts: boolean;
}

/** The import that delivered an application's data, as the evidence manifest cites it. */
export interface CampaignSourceImport {
  importRunId: number;
  applicationKey: string;
  sourceFile: string;
  sha256: string;
  format: string;
  syncId: string | null;
  finishedAt: string | null;
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
    /** `identity:<id>` or `cli:<os user>` of whoever created the campaign. */
    createdBy: p.string().length(400).nullable(),
    /** When the frozen snapshot of grants in scope was written; null before the preview. */
    snapshotAt: p.datetime().columnType('timestamptz').nullable(),
    /** Rows in the snapshot, which is also the number of review tasks the launch starts. */
    snapshotGrants: p.integer().nullable(),
    /** The latest successful import of each application in scope when the snapshot was taken. */
    sourceImports: p.json<CampaignSourceImport[]>().nullable(),
    /** Id of the campaign workflow, set at launch. */
    workflowId: p.string().length(200).nullable(),
    /** Campaign admins and super admins written into every task's input at launch. */
    taskAdminIds: p.json<number[]>().nullable(),
    taskSuperAdminIds: p.json<number[]>().nullable(),
    launchedBy: p.string().length(400).nullable(),
    launchedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Review tasks the launch has started or found already started; updated per batch. */
    tasksStarted: p.integer().default(0),
    /** When the launch digests went out, one per reviewer. */
    digestsSentAt: p.datetime().columnType('timestamptz').nullable(),
    /** When campaign admins last sent every reviewer a reminder digest. */
    lastReminderAt: p.datetime().columnType('timestamptz').nullable(),
    closedBy: p.string().length(400).nullable(),
    /** The no-response rule applied when the campaign closed (the campaign's, or an override). */
    closeRule: p.string().length(30).nullable(),
    /** What closing did to the tasks still open: counts by outcome. */
    closeSummary: p.json<Record<string, number>>().nullable(),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type ICampaign = InferEntity<typeof Campaign>;
