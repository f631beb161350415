import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One entry of a task log, appended by the projection activity; never updated or deleted. */
export const TaskEvent = defineEntity({
  name: 'TaskEvent',
  tableName: 'task_event',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    taskId: p.string().length(200),
    /** Position in the task log; (taskId, seq) makes a retried append a no-op. */
    seq: p.integer(),
    type: p.string().length(40),
    /** Identity id of the actor, or null for the system. */
    actorId: p.integer().nullable(),
    at: p.datetime().columnType('timestamptz'),
    stepIndex: p.integer().nullable(),
    policyName: p.string().length(200),
    policyVersion: p.integer(),
    comment: p.text().nullable(),
    data: p.json<Record<string, unknown>>().nullable(),
  },
  uniques: [{ properties: ['taskId', 'seq'] }],
  // Deletions are rare, so campaign counts find them through this small index.
  indexes: [
    {
      name: 'task_event_deleted_index',
      expression: `create index "task_event_deleted_index" on "task_event" ("task_id") where "type" = 'deleted'`,
    },
  ],
});

export type ITaskEvent = InferEntity<typeof TaskEvent>;
