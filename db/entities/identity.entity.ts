import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A person (or the owner of a service) from the directory. */
export const Identity = defineEntity({
  name: 'Identity',
  tableName: 'identity',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Case-folded email, or `login:<name>` when the source has no email; unique across sources. */
    externalKey: p.string().length(320).unique(),
    email: p.string().length(320).nullable(),
    /** Case-folded login or user name, so accounts without an email can still be matched. */
    login: p.string().length(400).nullable(),
    displayName: p.string().length(400),
    department: p.string().length(200).nullable(),
    title: p.string().length(200).nullable(),
    employeeNumber: p.string().length(100).nullable(),
    manager: () => p.manyToOne(Identity).nullable().deleteRule('set null'),
    /** active, inactive, on_leave or terminated. */
    employmentStatus: p.string().length(20).default('active'),
    terminatedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ properties: ['department'] }, { properties: ['manager'] }, { properties: ['login'] }],
});

export type IIdentity = InferEntity<typeof Identity>;
