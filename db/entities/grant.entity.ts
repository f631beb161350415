import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Account } from './account.entity.js';
import { Application } from './application.entity.js';
import { PrincipalGroup } from './principal-group.entity.js';
import { Resource } from './resource.entity.js';

/** How an inherited grant reaches its principal: the resources it was granted through. */
export interface GrantSource {
  /** External id of the resource (entitlement) the principal holds this grant through. */
  resourceExternalId: string;
  resourceName?: string;
}

/** One principal (an account or a group) holding one resource. */
export const Grant = defineEntity({
  name: 'Grant',
  tableName: 'grant',
  properties: {
    id: p.integer().primary().autoincrement(),
    application: () => p.manyToOne(Application).deleteRule('cascade'),
    resource: () => p.manyToOne(Resource).deleteRule('cascade'),
    /** account or group. */
    principalType: p.string().length(20),
    account: () => p.manyToOne(Account).nullable().deleteRule('cascade'),
    group: () => p.manyToOne(PrincipalGroup).nullable().deleteRule('cascade'),
    /** The source's id for the grant, or a key derived from resource and principal. */
    externalId: p.string().length(2000),
    inherited: p.boolean().default(false),
    sources: p.json<GrantSource[]>().default('[]'),
    firstSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    lastSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    removedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  uniques: [{ properties: ['application', 'externalId'] }],
  indexes: [{ properties: ['resource'] }, { properties: ['account'] }, { properties: ['group'] }],
});

export type IGrant = InferEntity<typeof Grant>;
