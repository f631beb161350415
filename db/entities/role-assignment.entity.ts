import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/**
 * An administrative role given to an identity on the admin page. Roles named in
 * RECERT_SUPER_ADMINS and RECERT_CAMPAIGN_ADMINS come from configuration and are not stored.
 */
export const RoleAssignment = defineEntity({
  name: 'RoleAssignment',
  tableName: 'role_assignment',
  properties: {
    id: p.integer().primary().autoincrement(),
    identity: () => p.manyToOne(Identity).deleteRule('cascade'),
    /** super_admin or campaign_admin. */
    role: p.string().length(30),
    /** `identity:<id>` or `cli:<os user>` of whoever granted it. */
    grantedBy: p.string().length(400),
    grantedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  uniques: [{ properties: ['identity', 'role'] }],
});

export type IRoleAssignment = InferEntity<typeof RoleAssignment>;
