import type { EntityManager } from '@mikro-orm/postgresql';
import { REMOVAL_WAITING_SQL } from '../../db/search-sql.js';
import { removalRequest } from '../../workflows/task-view.js';
import type { Notifier } from './notifier.js';
import { recipients } from './task-messages.js';

export interface RemovalReminderInput {
  /** The removal whose reminder timer fired; listed even if the projection lags behind it. */
  taskId: string;
  recipientIds: number[];
  /** Reminder cadence in ms; one digest per person per cadence window. */
  cadenceMs: number;
  /** Workflow time of the reminder, so a retried activity lands in the same window. */
  atMs: number;
}

/**
 * Sends each person one digest of every removal waiting for them, in all campaigns. Each
 * waiting removal's timer calls this, and the key covers the person and the cadence window,
 * so the first call in a window sends and the rest find the message already stored.
 */
export async function sendRemovalReminders(
  em: EntityManager,
  notifier: Notifier,
  input: RemovalReminderInput,
): Promise<number> {
  const window = Math.floor(input.atMs / Math.max(input.cadenceMs, 1));
  const link = (taskId: string) => `${notifier.publicUrl}/tasks/${encodeURIComponent(taskId)}`;
  let sent = 0;
  for (const person of await recipients(em, input.recipientIds)) {
    if (!person.email) continue;
    const waiting = await em
      .getConnection()
      .execute<{ id: string; summary: string | null; revocation_status: string }[]>(
        `select id, summary, revocation_status from review_task
          where revocation_status in ${REMOVAL_WAITING_SQL}
            and revocation_actor_ids @> ?::jsonb
          order by updated_at, id limit 200`,
        [JSON.stringify([person.id])],
      );
    const lines = waiting.map(
      (row) =>
        `- ${row.summary ?? row.id} (${removalRequest(row.revocation_status)}): ${link(row.id)}`,
    );
    if (!waiting.some((row) => row.id === input.taskId)) lines.unshift(`- ${link(input.taskId)}`);
    const count = lines.length;
    const results = await notifier.send({
      idempotencyKey: `removal-reminder:${person.id}:${input.cadenceMs}:${window}`,
      recipientIdentityId: person.id,
      recipientEmail: person.email,
      subject: `Reminder: ${count} removal${count === 1 ? '' : 's'} waiting for you`,
      text: `Hello ${person.display_name},\n\nThese removals of access are waiting for you:\n${lines.join('\n')}\n\nAll of them: ${notifier.publicUrl}/reviews`,
    });
    sent += results.filter((r) => r.sentNow).length;
  }
  return sent;
}
