import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Application } from './application.entity.js';
import { Identity } from './identity.entity.js';

/** An identity's login in one application; orphaned when no identity matches it. */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'account',
  properties: {
    id: p.integer().primary().autoincrement(),
    application: () => p.manyToOne(Application).deleteRule('cascade'),
    externalId: p.string().length(1000),
    login: p.string().length(400).nullable(),
    email: p.string().length(320).nullable(),
    displayName: p.string().length(400),
    identity: () => p.manyToOne(Identity).nullable().deleteRule('set null'),
    /** human or service. */
    accountType: p.string().length(20).default('human'),
    /** enabled, disabled or unknown. */
    status: p.string().length(20).default('enabled'),
    lastLoginAt: p.datetime().columnType('timestamptz').nullable(),
    lastUsedAt: p.datetime().columnType('timestamptz').nullable(),
    firstSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    lastSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    removedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  uniques: [{ properties: ['application', 'externalId'] }],
  indexes: [{ properties: ['identity'] }],
});

export type IAccount = InferEntity<typeof Account>;
