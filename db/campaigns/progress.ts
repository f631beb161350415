import type { EntityManager } from '@mikro-orm/postgresql';
import { getCampaign, type CampaignRecord } from './campaign-repository.js';
import { deletedTasks, TASK_DELETED_SQL } from './deleted-tasks.js';

/** Revocation statuses of a removal that has not finished and has not failed. */
export const REMOVAL_IN_PROGRESS_SQL = `('pending_approval', 'provisioning', 'awaiting_manual')`;

/** Task counts by status, from the tasks' projection rows. */
export interface StatusCounts {
  open: number;
  certified: number;
  removed: number;
  expired: number;
  canceled: number;
}

export interface ApplicationProgress extends StatusCounts {
  applicationId: number;
  applicationName: string;
  total: number;
  /** Snapshot grants whose task has not started yet (and was not deleted). */
  notStarted: number;
}

export interface ReviewerProgress {
  identityId: number;
  name: string;
  email: string | null;
  open: number;
  overdue: number;
  /** Certify and remove decisions this reviewer made in the campaign. */
  decided: number;
  /** Tasks the campaign closed while they were still assigned to this reviewer. */
  unanswered: number;
}

/** One point of the burndown: tasks still open at `at`. */
export interface BurndownPoint {
  at: string;
  remaining: number;
}

/** A campaign's task counts, cheap enough to poll every second during a launch or close. */
export interface CampaignCounts {
  campaign: CampaignRecord;
  /** Rows in the snapshot: the tasks the launch starts. */
  total: number;
  /** Tasks started: those with a projection row, and those deleted since. */
  opened: number;
  byStatus: StatusCounts;
  /** Tasks a super admin deleted, whose projection rows are gone. */
  deleted: number;
}

/** A campaign's progress, read from the projection and the task log only. */
export interface CampaignProgress extends CampaignCounts {
  overdue: number;
  failedRevocations: number;
  /** Removals not finished yet: waiting for approval, for removal by hand, or for the connector. */
  removalsInProgress: number;
  /** Removals an approver denied: counted as removed decisions, yet the access stays. */
  removalsDenied: number;
  byApplication: ApplicationProgress[];
  byReviewer: ReviewerProgress[];
  reviewerCount: number;
  burndown: BurndownPoint[];
}

/** A task in the overdue or failed-revocation lists. */
export interface TaskListItem {
  taskId: string;
  summary: string | null;
  applicationName: string | null;
  assigneeIds: number[];
  stepDueAt: Date | null;
  revocationStatus: string | null;
  closedAt: Date | null;
}

const DECISION_TYPES = `('certified', 'removed', 'closed_by_campaign', 'canceled', 'step_skipped')`;

/** Picks the burndown's bucket size: minutes for short test runs, hours for a day or two, else days. */
function bucketFor(campaign: CampaignRecord, now: Date): 'minute' | 'hour' | 'day' {
  const start = campaign.launchedAt ?? campaign.createdAt;
  const end = Math.max(campaign.dueAt.getTime(), now.getTime());
  const span = end - start.getTime();
  if (span <= 3 * 3_600_000) return 'minute';
  if (span <= 3 * 86_400_000) return 'hour';
  return 'day';
}

/** Counts a campaign's tasks by status with one index scan of its projection rows. */
export async function campaignCounts(
  em: EntityManager,
  campaignId: number,
): Promise<CampaignCounts> {
  const campaign = await getCampaign(em, campaignId);
  const rows = await em
    .getConnection()
    .execute<{ status: string; n: string }[]>(
      'select status, count(*) as n from review_task where campaign_id = ? group by status',
      [campaignId],
    );
  const count = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
  const deleted = await deletedTasks(em, campaignId);
  const opened = rows.reduce((sum, row) => sum + Number(row.n), 0) + deleted;
  return {
    campaign,
    total: campaign.snapshotGrants ?? opened,
    opened,
    deleted,
    byStatus: {
      open: count('open'),
      certified: count('certified'),
      removed: count('removed'),
      expired: count('expired'),
      canceled: count('canceled'),
    },
  };
}

/**
 * Counts by status, application and reviewer, overdue tasks, failed revocations, and the
 * burndown (tasks still open over time, from the time of each task's closing decision).
 */
export async function campaignProgress(
  em: EntityManager,
  campaignId: number,
  options: { reviewerLimit?: number; now?: Date } = {},
): Promise<CampaignProgress> {
  const campaign = await getCampaign(em, campaignId);
  const now = options.now ?? new Date();
  const db = em.getConnection();
  const count = (value: unknown) => Number(value ?? 0);

  const [totals] = await db.execute<Record<string, string>[]>(
    `select count(*) as opened,
            count(*) filter (where status = 'open') as open,
            count(*) filter (where status = 'certified') as certified,
            count(*) filter (where status = 'removed') as removed,
            count(*) filter (where status = 'expired') as expired,
            count(*) filter (where status = 'canceled') as canceled,
            count(*) filter (where status = 'open' and step_due_at < ?) as overdue,
            count(*) filter (where revocation_status in ('failed', 'verification_failed')) as failed,
            count(*) filter (where revocation_status in ${REMOVAL_IN_PROGRESS_SQL}) as in_progress,
            count(*) filter (where revocation_status = 'denied') as denied
       from review_task where campaign_id = ?`,
    [now, campaignId],
  );
  const byApplication = await db.execute<Record<string, string | number>[]>(
    `select cg.application_id, min(cg.application_name) as application_name, count(*) as total,
            count(*) filter (where t.status = 'open') as open,
            count(*) filter (where t.id is null and not ${TASK_DELETED_SQL}) as not_started,
            count(*) filter (where t.status = 'certified') as certified,
            count(*) filter (where t.status = 'removed') as removed,
            count(*) filter (where t.status = 'expired') as expired,
            count(*) filter (where t.status = 'canceled') as canceled
       from campaign_grant cg left join review_task t on t.id = cg.task_id
      where cg.campaign_id = ?
      group by cg.application_id order by application_name`,
    [campaignId],
  );
  const byReviewer = await db.execute<Record<string, string | number | null>[]>(
    `with open_load as (
       select a.value::int as id, count(*) as open,
              count(*) filter (where t.step_due_at < ?) as overdue
         from review_task t cross join jsonb_array_elements_text(t.assignee_ids) a(value)
        where t.campaign_id = ? and t.status = 'open' group by 1),
     decided as (
       select e.actor_id as id, count(*) as decided
         from task_event e join review_task t on t.id = e.task_id
        where t.campaign_id = ? and e.type in ('certified', 'removed') and e.actor_id is not null
        group by 1),
     unanswered as (
       select a.value::int as id, count(*) as unanswered
         from task_event e join review_task t on t.id = e.task_id
        cross join jsonb_array_elements_text(coalesce(e.data->'assigneeIds', '[]'::jsonb)) a(value)
        where t.campaign_id = ? and e.type = 'closed_by_campaign'
        group by 1),
     reviewers as (
       select coalesce(o.id, d.id, u.id) as id, coalesce(o.open, 0) as open,
              coalesce(o.overdue, 0) as overdue, coalesce(d.decided, 0) as decided,
              coalesce(u.unanswered, 0) as unanswered
         from open_load o full join decided d on d.id = o.id
         full join unanswered u on u.id = coalesce(o.id, d.id))
     select r.*, i.display_name as name, i.email, count(*) over () as reviewers
       from reviewers r join identity i on i.id = r.id
      order by r.open desc, r.unanswered desc, r.decided desc, i.display_name limit ?`,
    [now, campaignId, campaignId, campaignId, options.reviewerLimit ?? 50],
  );
  const bucket = bucketFor(campaign, now);
  // A deleted task leaves the burndown when it is deleted, as a closed one does when decided.
  const closings = await db.execute<{ bucket: Date; last_at: Date; closed: string }[]>(
    `select date_trunc('${bucket}', x.at) as bucket, max(x.at) as last_at, count(*) as closed
       from (select t.id, max(e.at) as at
               from review_task t join task_event e on e.task_id = t.id
              where t.campaign_id = ? and t.status <> 'open' and e.type in ${DECISION_TYPES}
              group by t.id
             union all
             select e.task_id, e.at from task_event e join campaign_grant cg on cg.task_id = e.task_id
              where e.type = 'deleted' and cg.campaign_id = ?) x
      group by 1 order by 1`,
    [campaignId, campaignId],
  );
  const deleted = await deletedTasks(em, campaignId);

  const total = campaign.snapshotGrants ?? count(totals?.opened) + deleted;
  const burndown: BurndownPoint[] = [];
  if (campaign.launchedAt) {
    let remaining = total;
    const launchedAt = campaign.launchedAt.getTime();
    burndown.push({ at: campaign.launchedAt.toISOString(), remaining });
    for (const row of closings) {
      remaining -= Number(row.closed);
      // Each point is placed at its bucket's last closing, so a bucket that starts before the
      // launch (at midnight of the launch day, for example) does not share the launch's time.
      const at = Math.max(new Date(row.last_at).getTime(), launchedAt);
      burndown.push({ at: new Date(at).toISOString(), remaining });
    }
    if (campaign.status !== 'closed') burndown.push({ at: now.toISOString(), remaining });
  }

  return {
    campaign,
    total,
    opened: count(totals?.opened) + deleted,
    deleted,
    byStatus: {
      open: count(totals?.open),
      certified: count(totals?.certified),
      removed: count(totals?.removed),
      expired: count(totals?.expired),
      canceled: count(totals?.canceled),
    },
    overdue: count(totals?.overdue),
    failedRevocations: count(totals?.failed),
    removalsInProgress: count(totals?.in_progress),
    removalsDenied: count(totals?.denied),
    byApplication: byApplication.map((row) => ({
      applicationId: Number(row.application_id),
      applicationName: String(row.application_name),
      total: count(row.total),
      notStarted: count(row.not_started),
      open: count(row.open),
      certified: count(row.certified),
      removed: count(row.removed),
      expired: count(row.expired),
      canceled: count(row.canceled),
    })),
    byReviewer: byReviewer.map((row) => ({
      identityId: Number(row.id),
      name: String(row.name),
      email: (row.email as string | null) ?? null,
      open: count(row.open),
      overdue: count(row.overdue),
      decided: count(row.decided),
      unanswered: count(row.unanswered),
    })),
    reviewerCount: count(byReviewer[0]?.reviewers),
    burndown,
  };
}

type TaskRow = {
  id: string;
  summary: string | null;
  application_name: string | null;
  assignee_ids: number[];
  step_due_at: Date | null;
  revocation_status: string | null;
  closed_at: Date | null;
};

function toItem(row: TaskRow): TaskListItem {
  return {
    taskId: row.id,
    summary: row.summary,
    applicationName: row.application_name,
    assigneeIds: row.assignee_ids ?? [],
    stepDueAt: row.step_due_at ? new Date(row.step_due_at) : null,
    revocationStatus: row.revocation_status,
    closedAt: row.closed_at ? new Date(row.closed_at) : null,
  };
}

const TASK_COLUMNS = `t.id, t.summary, ap.name as application_name, t.assignee_ids, t.step_due_at,
  t.revocation_status, t.closed_at`;

/** Open tasks past their step's due time, the most overdue first. */
export async function overdueTasks(
  em: EntityManager,
  campaignId: number,
  limit = 50,
  now = new Date(),
): Promise<TaskListItem[]> {
  const rows = await em.getConnection().execute<TaskRow[]>(
    `select ${TASK_COLUMNS} from review_task t left join application ap on ap.id = t.application_id
      where t.campaign_id = ? and t.status = 'open' and t.step_due_at < ?
      order by t.step_due_at, t.id limit ?`,
    [campaignId, now, limit],
  );
  return rows.map(toItem);
}

/** Lists a campaign's removed tasks whose revocation status is in `statuses`, in `order`. */
async function removalList(
  em: EntityManager,
  campaignId: number,
  statuses: string,
  order: string,
  limit: number,
): Promise<TaskListItem[]> {
  const rows = await em.getConnection().execute<TaskRow[]>(
    `select ${TASK_COLUMNS} from review_task t left join application ap on ap.id = t.application_id
      where t.campaign_id = ? and t.revocation_status in ${statuses}
      order by ${order}, t.id limit ?`,
    [campaignId, limit],
  );
  return rows.map(toItem);
}

/** Removed tasks whose removal has not finished (approval, removal by hand, the connector), oldest first. */
export function removalsInProgress(
  em: EntityManager,
  campaignId: number,
  limit = 50,
): Promise<TaskListItem[]> {
  return removalList(em, campaignId, REMOVAL_IN_PROGRESS_SQL, 't.updated_at', limit);
}

/** Removed tasks whose revocation failed or could not be verified, the latest first. */
export function failedRevocations(
  em: EntityManager,
  campaignId: number,
  limit = 50,
): Promise<TaskListItem[]> {
  return removalList(
    em,
    campaignId,
    `('failed', 'verification_failed')`,
    't.updated_at desc',
    limit,
  );
}
