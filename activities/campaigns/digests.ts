import { Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { getCampaign, type CampaignRecord } from '../../db/campaigns/campaign-repository.js';
import type { Notifier } from '../notifications/notifier.js';
import { forEachConcurrently } from './lanes.js';

/** Reviewers handled per query; the heartbeat records the last reviewer id done. */
const REVIEWERS_PER_BATCH = 200;
/** Messages sent at once. */
const SEND_CONCURRENCY = 4;

interface ReviewerLoad {
  id: number;
  email: string | null;
  display_name: string;
  tasks: string;
  overdue: string;
  applications: { application: string; tasks: number }[];
}

function formatDate(date: Date) {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function reviewsLink(notifier: Notifier, campaign: CampaignRecord) {
  return `${notifier.publicUrl}/reviews?campaign=${campaign.id}`;
}

function applicationLines(load: ReviewerLoad) {
  const listed = load.applications.slice(0, 10);
  const lines = listed.map((row) => `- ${row.application}: ${row.tasks}`);
  if (load.applications.length > listed.length)
    lines.push(`- and ${load.applications.length - listed.length} more applications`);
  return lines.join('\n');
}

/**
 * Sends one message per reviewer, in reviewer id order, resuming after the reviewer id in the
 * heartbeat. `loads` returns the next reviewers after a given id.
 */
async function sendPerReviewer(
  loads: (afterId: number) => Promise<ReviewerLoad[]>,
  send: (load: ReviewerLoad) => Promise<number>,
): Promise<{ reviewers: number; sent: number }> {
  const context = Context.current();
  const resumed = context.info.heartbeatDetails as { afterId: number } | undefined;
  let afterId = resumed?.afterId ?? 0;
  let reviewers = 0;
  let sent = 0;
  for (;;) {
    const batch = await loads(afterId);
    if (batch.length === 0) break;
    await forEachConcurrently(
      batch.filter((load) => load.email),
      SEND_CONCURRENCY,
      async (load) => {
        sent += await send(load);
        context.heartbeat({ afterId });
      },
      context.cancellationSignal,
    );
    reviewers += batch.length;
    afterId = batch.at(-1)!.id;
    context.heartbeat({ afterId });
  }
  return { reviewers, sent };
}

/**
 * Sends each reviewer of a launched campaign one digest: how many grants they review, per
 * application, and the link to their list. Keyed by campaign and reviewer, so a retry or a
 * second launch sends nothing twice.
 */
export async function sendLaunchDigests(orm: MikroORM, notifier: Notifier, campaignId: number) {
  const em = orm.em.fork();
  const campaign = await getCampaign(em, campaignId);
  const result = await sendPerReviewer(
    (afterId) =>
      em.getConnection().execute<ReviewerLoad[]>(
        `with per_application as (
           select a.value::int as id, cg.application_name as application, count(*) as tasks
             from campaign_grant cg cross join jsonb_array_elements_text(cg.assignee_ids) a(value)
            where cg.campaign_id = ? group by 1, 2)
         select p.id, i.email, i.display_name, sum(p.tasks) as tasks, 0 as overdue,
                jsonb_agg(jsonb_build_object('application', p.application, 'tasks', p.tasks)
                          order by p.tasks desc, p.application) as applications
           from per_application p join identity i on i.id = p.id
          where p.id > ?
          group by p.id, i.email, i.display_name order by p.id limit ?`,
        [campaignId, afterId, REVIEWERS_PER_BATCH],
      ),
    async (load) => {
      const tasks = Number(load.tasks);
      const results = await notifier.send({
        idempotencyKey: `campaign:${campaignId}:launch-digest:${load.id}`,
        recipientIdentityId: load.id,
        recipientEmail: load.email!,
        subject: `Access review "${campaign.name}": ${tasks} grant${tasks === 1 ? '' : 's'} to review by ${formatDate(campaign.dueAt)}`,
        text: [
          `Hello ${load.display_name},`,
          '',
          `The access review "${campaign.name}" has started. Please review ${tasks} grant${tasks === 1 ? '' : 's'} by ${formatDate(campaign.dueAt)}:`,
          applicationLines(load),
          '',
          `Your reviews, with the campaign's instructions at the top: ${reviewsLink(notifier, campaign)}`,
        ].join('\n'),
      });
      return results.filter((r) => r.sentNow).length;
    },
  );
  await em
    .getConnection()
    .execute(
      'update campaign set digests_sent_at = coalesce(digests_sent_at, now()) where id = ?',
      [campaignId],
    );
  Context.current().log.info('launch digests sent', { campaignId, ...result });
  return result;
}

/**
 * Sends each reviewer with open tasks in the campaign one reminder digest. `requestKey` names
 * the request, so retrying it sends nothing twice while a later request sends again.
 */
export async function sendCampaignReminders(
  orm: MikroORM,
  notifier: Notifier,
  input: { campaignId: number; requestKey: string },
) {
  const em = orm.em.fork();
  const campaign = await getCampaign(em, input.campaignId);
  const result = await sendPerReviewer(
    (afterId) =>
      em.getConnection().execute<ReviewerLoad[]>(
        `with per_application as (
           select a.value::int as id, ap.name as application, count(*) as tasks,
                  count(*) filter (where t.step_due_at < now()) as overdue
             from review_task t cross join jsonb_array_elements_text(t.assignee_ids) a(value)
             left join application ap on ap.id = t.application_id
            where t.campaign_id = ? and t.status = 'open' group by 1, 2)
         select p.id, i.email, i.display_name, sum(p.tasks) as tasks, sum(p.overdue) as overdue,
                jsonb_agg(jsonb_build_object('application', coalesce(p.application, 'unknown'),
                          'tasks', p.tasks) order by p.tasks desc, p.application) as applications
           from per_application p join identity i on i.id = p.id
          where p.id > ? and i.employment_status <> 'terminated'
          group by p.id, i.email, i.display_name order by p.id limit ?`,
        [input.campaignId, afterId, REVIEWERS_PER_BATCH],
      ),
    async (load) => {
      const tasks = Number(load.tasks);
      const overdue = Number(load.overdue);
      const results = await notifier.send({
        idempotencyKey: `campaign:${input.campaignId}:reminder:${input.requestKey}:${load.id}`,
        recipientIdentityId: load.id,
        recipientEmail: load.email!,
        subject: `Reminder: ${tasks} access review${tasks === 1 ? '' : 's'} waiting for you (${campaign.name})`,
        text: [
          `Hello ${load.display_name},`,
          '',
          `${tasks} of your reviews in "${campaign.name}" are still open${overdue ? `, ${overdue} of them overdue` : ''}. The campaign is due ${formatDate(campaign.dueAt)}.`,
          applicationLines(load),
          '',
          `Your reviews: ${reviewsLink(notifier, campaign)}`,
        ].join('\n'),
      });
      return results.filter((r) => r.sentNow).length;
    },
  );
  await em
    .getConnection()
    .execute('update campaign set last_reminder_at = now() where id = ?', [input.campaignId]);
  Context.current().log.info('campaign reminders sent', {
    campaignId: input.campaignId,
    ...result,
  });
  return result;
}
