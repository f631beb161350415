import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A notification, stored whether or not a provider delivered it. */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_message',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Business key of the message, so a retried activity stores and sends it once. */
    idempotencyKey: p.string().length(400).unique(),
    /** email or slack. */
    channel: p.string().length(20),
    recipient: p.string().length(400),
    recipientIdentityId: p.integer().nullable(),
    subject: p.string().length(1000),
    body: p.text(),
    /** outbox (no provider configured), resend or slack. */
    provider: p.string().length(20),
    providerMessageId: p.string().length(400).nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    deliveredAt: p.datetime().columnType('timestamptz').nullable(),
    error: p.text().nullable(),
  },
  indexes: [{ properties: ['recipientIdentityId'] }],
});

export type IOutboxMessage = InferEntity<typeof OutboxMessage>;
