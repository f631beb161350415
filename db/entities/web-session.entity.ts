import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/**
 * A signed-in browser. The cookie carries a random token; only its SHA-256 hash is stored,
 * so a copy of this table cannot be replayed as a cookie.
 */
export const WebSession = defineEntity({
  name: 'WebSession',
  tableName: 'web_session',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Hex SHA-256 of the cookie's token. */
    tokenHash: p.string().length(64).unique(),
    identity: () => p.manyToOne(Identity).deleteRule('cascade'),
    /** Per-session token that every state-changing request must carry (form field or header). */
    csrfToken: p.string().length(64),
    /** magic_link or dev. */
    signInMethod: p.string().length(20),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    /** Last request seen; the session expires after the configured idle time without one. */
    lastSeenAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    /** Absolute end of the session, however active it is. */
    expiresAt: p.datetime().columnType('timestamptz'),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    /** `identity:<id>` of the admin who revoked it, or `self` for a sign-out. */
    revokedBy: p.string().length(400).nullable(),
    ipAddress: p.string().length(100).nullable(),
    userAgent: p.string().length(400).nullable(),
  },
  indexes: [{ properties: ['identity'] }],
});

export type IWebSession = InferEntity<typeof WebSession>;
