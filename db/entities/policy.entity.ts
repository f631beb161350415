import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { PolicyDefinition } from '../../workflows/policy.js';

/** One immutable, published version of a review policy. */
export const Policy = defineEntity({
  name: 'Policy',
  tableName: 'policy',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(200),
    version: p.integer(),
    definition: p.json<PolicyDefinition>(),
    /** sha256 of the canonical definition, so publishing the same text twice is a no-op. */
    digest: p.string().length(64),
    publishedBy: p.string().length(320),
    publishedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  uniques: [{ properties: ['name', 'version'] }],
});

export type IPolicy = InferEntity<typeof Policy>;
