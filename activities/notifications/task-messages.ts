import type { EntityManager } from '@mikro-orm/postgresql';
import type { TaskSubject } from '../../workflows/task-state.js';
import type { Notifier } from './notifier.js';

/** Events of one review task that people are notified about. */
export type TaskNotice =
  | 'assigned'
  | 'reassigned_away'
  | 'escalated'
  | 'revocation_approval'
  | 'manual_provisioning'
  | 'revocation_failed';

export interface NotifyTaskInput {
  taskId: string;
  event: TaskNotice;
  recipientIds: number[];
  subject: TaskSubject;
  campaignName: string;
  stepName?: string;
  /** The task-log position of the event, so each event's message is sent once per recipient. */
  eventSeq: number;
  detail?: string;
}

interface Recipient {
  id: number;
  email: string | null;
  display_name: string;
}

export async function recipients(em: EntityManager, ids: number[]): Promise<Recipient[]> {
  if (ids.length === 0) return [];
  return em
    .getConnection()
    .execute<Recipient[]>(
      'select id, email, display_name from identity where id in (?) order by id',
      [ids],
    );
}

function describeGrant(subject: TaskSubject) {
  return `${subject.subjectName}'s access to ${subject.resourceName} in ${subject.applicationName}`;
}

function compose(input: NotifyTaskInput, link: string): { subject: string; text: string } {
  const grant = describeGrant(input.subject);
  const campaign = input.campaignName ? ` (${input.campaignName})` : '';
  switch (input.event) {
    case 'assigned':
      return {
        subject: `Access review: ${grant}`,
        text: `You are asked to review ${grant}${campaign}${input.stepName ? `, step "${input.stepName}"` : ''}.\nCertify or remove it here: ${link}`,
      };
    case 'reassigned_away':
      return {
        subject: `Review reassigned: ${grant}`,
        text: `The review of ${grant}${campaign} was reassigned to someone else. Nothing more is needed from you.\n${link}`,
      };
    case 'escalated':
      return {
        subject: `Overdue access review escalated to you: ${grant}`,
        text: `The review of ${grant}${campaign} is overdue and was escalated to you.\nDecide here: ${link}`,
      };
    case 'revocation_approval':
      return {
        subject: `Approve removal: ${grant}`,
        text: `A reviewer decided to remove ${grant}${campaign}. Approve or deny the removal here: ${link}`,
      };
    case 'manual_provisioning':
      return {
        subject: `Remove access by hand: ${grant}`,
        text: `${input.detail ? `${input.detail}\n` : ''}Please remove ${grant}, then mark it as done here: ${link}`,
      };
    case 'revocation_failed':
      return {
        subject: `Revocation failed: ${grant}`,
        text: `Recert could not remove ${grant}${campaign}: ${(input.detail ?? 'unknown error').replace(/\.$/, '')}.\nThe task shows the failure and lets you retry the removal or confirm that it was removed by hand: ${link}`,
      };
  }
}

/** Sends one task event to each recipient; returns how many messages went out now. */
export async function notifyTask(
  em: EntityManager,
  notifier: Notifier,
  input: NotifyTaskInput,
): Promise<number> {
  const link = `${notifier.publicUrl}/tasks/${encodeURIComponent(input.taskId)}`;
  const { subject, text } = compose(input, link);
  let sent = 0;
  for (const person of await recipients(em, input.recipientIds)) {
    if (!person.email) continue;
    const results = await notifier.send({
      idempotencyKey: `task:${input.taskId}:${input.event}:${input.eventSeq}:${person.id}`,
      recipientIdentityId: person.id,
      recipientEmail: person.email,
      subject,
      text: `Hello ${person.display_name},\n\n${text}`,
    });
    sent += results.filter((r) => r.sentNow).length;
  }
  return sent;
}

export interface ReminderInput {
  campaignId: number | null;
  campaignName: string;
  taskId: string;
  recipientIds: number[];
  /** Reminder cadence in ms; one digest per reviewer per cadence window. */
  cadenceMs: number;
  /** Workflow time of the reminder, so a retried activity lands in the same window. */
  atMs: number;
  /** Set for a reminder someone asked for: keys the digest by this request, not by window. */
  requestKey?: string;
}

/**
 * Sends each reviewer one digest of all their open tasks in the campaign. Every task's
 * reminder timer calls this, but the key covers the reviewer and the cadence window, so the
 * first call in a window sends and the rest find the message already stored.
 */
export async function sendReminderDigests(
  em: EntityManager,
  notifier: Notifier,
  input: ReminderInput,
): Promise<number> {
  const window = Math.floor(input.atMs / Math.max(input.cadenceMs, 1));
  let sent = 0;
  for (const person of await recipients(em, input.recipientIds)) {
    if (!person.email) continue;
    const open = await em.getConnection().execute<{ id: string; summary: string | null }[]>(
      `select id, summary from review_task
        where status = 'open' and assignee_ids @> ?::jsonb
          and (campaign_id = ? or (? is null and campaign_id is null))
        order by id limit 200`,
      [JSON.stringify([person.id]), input.campaignId, input.campaignId],
    );
    const taskIds = new Set(open.map((row) => row.id));
    const lines = open.map(
      (row) =>
        `- ${row.summary ?? row.id}: ${notifier.publicUrl}/tasks/${encodeURIComponent(row.id)}`,
    );
    if (!taskIds.has(input.taskId)) {
      lines.unshift(`- ${notifier.publicUrl}/tasks/${encodeURIComponent(input.taskId)}`);
    }
    const count = Math.max(lines.length, 1);
    const results = await notifier.send({
      idempotencyKey: input.requestKey
        ? `reminder:request:${input.requestKey}:${person.id}`
        : `reminder:${input.campaignId ?? 'none'}:${person.id}:${input.cadenceMs}:${window}`,
      recipientIdentityId: person.id,
      recipientEmail: person.email,
      subject: `Reminder: ${count} access review${count === 1 ? '' : 's'} waiting for you${input.campaignName ? ` (${input.campaignName})` : ''}`,
      text: `Hello ${person.display_name},\n\nThese reviews are still open:\n${lines.join('\n')}\n\nAll your reviews: ${notifier.publicUrl}/reviews`,
    });
    sent += results.filter((r) => r.sentNow).length;
  }
  return sent;
}
