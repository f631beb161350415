import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Application } from './application.entity.js';
import { Identity } from './identity.entity.js';

/**
 * Something in an application that can be granted (a Baton entitlement such as
 * "Project 0000007 · access"), with the object it belongs to.
 */
export const Resource = defineEntity({
  name: 'Resource',
  tableName: 'resource',
  properties: {
    id: p.integer().primary().autoincrement(),
    application: () => p.manyToOne(Application).deleteRule('cascade'),
    /** The source's id for this grantable thing, unique within the application. */
    externalId: p.string().length(1000),
    displayName: p.string().length(1000),
    description: p.text().nullable(),
    /** Kind of the parent object, for example project, group, role or repository. */
    resourceType: p.string().length(200),
    parentExternalId: p.string().length(1000).nullable(),
    parentName: p.string().length(1000).nullable(),
    /** The entitlement's short name within its parent, for example access, member or admin. */
    slug: p.string().length(200).nullable(),
    /** low, medium, high or critical. */
    riskLevel: p.string().length(20).default('medium'),
    /** Whether holding this resource makes the holder an owner of its parent object. */
    grantsOwnership: p.boolean().default(false),
    owners: () => p.manyToMany(Identity).pivotTable('resource_owner'),
    /** Start of the last import that contained this resource; older means it disappeared. */
    lastSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    removedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  uniques: [{ properties: ['application', 'externalId'] }],
});

export type IResource = InferEntity<typeof Resource>;
