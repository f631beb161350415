import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Application } from './application.entity.js';

/** A group in an application that can itself hold resources; members inherit them. */
export const PrincipalGroup = defineEntity({
  name: 'PrincipalGroup',
  tableName: 'principal_group',
  properties: {
    id: p.integer().primary().autoincrement(),
    application: () => p.manyToOne(Application).deleteRule('cascade'),
    externalId: p.string().length(1000),
    displayName: p.string().length(1000),
    firstSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    /** Start of the last import that contained this group; older means it disappeared. */
    lastSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    removedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  uniques: [{ properties: ['application', 'externalId'] }],
});

export type IPrincipalGroup = InferEntity<typeof PrincipalGroup>;
