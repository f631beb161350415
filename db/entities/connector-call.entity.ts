import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One call a revocation made to a connector's target, with its result, written by the activity
 * on every attempt. The task log shows only a removal's outcome; this keeps each failed try, so
 * the evidence shows how long a removal was failing and why.
 */
export const ConnectorCall = defineEntity({
  name: 'ConnectorCall',
  tableName: 'connector_call',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    taskId: p.string().length(200),
    connector: p.string().length(200),
    /** revoke or verify. */
    call: p.string().length(20),
    idempotencyKey: p.string().length(300).nullable(),
    /** The activity's attempt, from 1. */
    attempt: p.integer(),
    /** `<workflow id>:<activity id>:<attempt>`, so a repeated write of one attempt is a no-op. */
    attemptKey: p.string().length(400).unique(),
    startedAt: p.datetime().columnType('timestamptz'),
    finishedAt: p.datetime().columnType('timestamptz'),
    /** ok, failed (retried) or rejected (not retried). */
    outcome: p.string().length(20),
    detail: p.text().nullable(),
  },
  indexes: [{ properties: ['taskId', 'startedAt'] }],
});

export type IConnectorCall = InferEntity<typeof ConnectorCall>;
