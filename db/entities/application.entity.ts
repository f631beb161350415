import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Identity } from './identity.entity.js';

/** A system that has accounts, with owners and a risk level. */
export const Application = defineEntity({
  name: 'Application',
  tableName: 'application',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Stable, URL-safe name used on the command line (`--application github`). */
    key: p.string().length(200).unique(),
    name: p.string().length(400),
    description: p.text().nullable(),
    /** low, medium, high or critical. */
    riskLevel: p.string().length(20).default('medium'),
    owners: () => p.manyToMany(Identity).pivotTable('application_owner'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
});

export type IApplication = InferEntity<typeof Application>;
