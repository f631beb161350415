import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/**
 * One emailed sign-in link. Single use, short-lived, and bound to the browser that asked for
 * it: the link works only together with the nonce cookie whose hash is stored here.
 */
export const LoginToken = defineEntity({
  name: 'LoginToken',
  tableName: 'login_token',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Hex SHA-256 of the token in the link. */
    tokenHash: p.string().length(64).unique(),
    /** Hex SHA-256 of the nonce cookie set in the browser that requested the link. */
    nonceHash: p.string().length(64),
    identity: () => p.manyToOne(Identity).deleteRule('cascade'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    requestedIp: p.string().length(100).nullable(),
  },
  indexes: [{ properties: ['identity'] }],
});

export type ILoginToken = InferEntity<typeof LoginToken>;
