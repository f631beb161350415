import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An administrative event; the table rejects updates and deletes (see its migration). */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    /** `identity:<id>`, `cli:<os user>`, `temporal` or `system`. */
    actor: p.string().length(400),
    action: p.string().length(100),
    targetType: p.string().length(100).nullable(),
    targetId: p.string().length(400).nullable(),
    /** ok, rejected or failed. */
    outcome: p.string().length(20).default('ok'),
    reason: p.text().nullable(),
    detail: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [{ properties: ['at'] }, { properties: ['targetType', 'targetId'] }],
});

export type IAuditEvent = InferEntity<typeof AuditEvent>;
