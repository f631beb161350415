import type { EntityManager } from '@mikro-orm/postgresql';
import type { NoResponseRule } from './campaign-schema.js';
import { getCampaign, type CampaignRecord } from './campaign-repository.js';
import { TASK_DELETED_SQL } from './deleted-tasks.js';
import { REMOVAL_IN_PROGRESS_SQL } from './progress.js';

/** The effect of closing on one task that is still open. */
export type CloseOutcome = 'certify' | 'remove' | 'leave_open';

/**
 * Builds the outcome of the no-response rule for one open task, as SQL over `review_task t`.
 * follow_recommendation removes what the insights recommend removing, certifies what they
 * found nothing against (`none`), and leaves "take a closer look" and tasks without a
 * recommendation open, because those need a person.
 */
export function outcomeSql(rule: NoResponseRule): string {
  switch (rule) {
    case 'leave_open':
      return `'leave_open'`;
    case 'certify':
      return `'certify'`;
    case 'remove':
      return `'remove'`;
    case 'follow_recommendation':
      return `case t.recommendation when 'remove' then 'remove' when 'none' then 'certify' else 'leave_open' end`;
  }
}

/**
 * Selects every task of the campaign that is open, or started but not yet projected, with the
 * outcome `rule` gives it, in launch order. Reads the snapshot, so a task whose projection
 * row is missing is still closed, unless an administrator deleted it.
 */
export function openTasksSql(rule: NoResponseRule): string {
  return `select cg.seq, cg.task_id, cg.grant_id, cg.application_id, cg.application_name,
         cg.resource_id, cg.resource_name, cg.subject_name, cg.principal_name,
         t.recommendation, ${outcomeSql(rule)} as outcome
    from campaign_grant cg left join review_task t on t.id = cg.task_id
   where cg.campaign_id = ? and coalesce(t.status, 'open') = 'open'
     and (t.id is not null or not ${TASK_DELETED_SQL})`;
}

/** One open task and what closing now would do to it. */
export interface PlannedClose {
  seq: number;
  taskId: string;
  grantId: number;
  applicationName: string;
  resourceName: string;
  subjectName: string;
  principalName: string;
  recommendation: string | null;
  outcome: CloseOutcome;
}

/** A rule that would leave a resource with no grants at all. */
export interface RemovalWarning {
  resourceId: number;
  resourceName: string;
  applicationName: string;
  /** Removals this close would add. */
  plannedRemovals: number;
  /** Removals reviewers already decided in this campaign. */
  removedInCampaign: number;
  /** Current grants of the resource, in or out of the campaign's scope. */
  currentGrants: number;
  message: string;
}

/** The dry run of closing a campaign now. */
export interface ClosePlan {
  campaign: CampaignRecord;
  rule: NoResponseRule;
  open: number;
  certify: number;
  remove: number;
  leaveOpen: number;
  byApplication: {
    applicationId: number;
    applicationName: string;
    certify: number;
    remove: number;
    leaveOpen: number;
  }[];
  warnings: RemovalWarning[];
  /**
   * Set when removals decided earlier have not finished or have failed: closing does not stop
   * them, and the evidence shows each one's status at the time of the export.
   */
  unfinishedRemovals?: { inProgress: number; failed: number; message: string };
}

/**
 * Computes exactly what closing the campaign now would certify, remove or leave open, per
 * application, and warns about each resource whose every current grant would then be removed.
 */
export async function planClose(
  em: EntityManager,
  campaignId: number,
  rule?: NoResponseRule,
): Promise<ClosePlan> {
  const campaign = await getCampaign(em, campaignId);
  const applied = rule ?? campaign.noResponseRule;
  const db = em.getConnection();
  const byApplication = await db.execute<
    {
      application_id: number;
      application_name: string;
      certify: string;
      remove: string;
      leave_open: string;
    }[]
  >(
    `select p.application_id, min(p.application_name) as application_name,
            count(*) filter (where p.outcome = 'certify') as certify,
            count(*) filter (where p.outcome = 'remove') as remove,
            count(*) filter (where p.outcome = 'leave_open') as leave_open
       from (${openTasksSql(applied)}) p
      group by p.application_id order by application_name`,
    [campaignId],
  );
  const warnings = await db.execute<
    {
      resource_id: number;
      resource_name: string;
      application_name: string;
      planned: string;
      removed: string;
      current: string;
    }[]
  >(
    `with planned as (
       select p.resource_id, count(*) as planned from (${openTasksSql(applied)}) p
        where p.outcome = 'remove' group by p.resource_id),
     decided as (
       select t.resource_id, count(*) as removed from review_task t
        where t.campaign_id = ? and t.status = 'removed' group by t.resource_id)
     select r.id as resource_id, r.display_name as resource_name, ap.name as application_name,
            x.planned, coalesce(d.removed, 0) as removed, c.current
       from planned x
       join resource r on r.id = x.resource_id
       join application ap on ap.id = r.application_id
       left join decided d on d.resource_id = x.resource_id
       cross join lateral (select count(*) as current from "grant" g
                            where g.resource_id = x.resource_id and g.removed_at is null) c
      where x.planned + coalesce(d.removed, 0) >= c.current
      order by ap.name, r.display_name`,
    [campaignId, campaignId],
  );

  const [removals] = await db.execute<{ in_progress: string; failed: string }[]>(
    `select count(*) filter (where revocation_status in ${REMOVAL_IN_PROGRESS_SQL}) as in_progress,
            count(*) filter (where revocation_status in ('failed', 'verification_failed')) as failed
       from review_task where campaign_id = ?`,
    [campaignId],
  );
  const inProgress = Number(removals?.in_progress ?? 0);
  const failed = Number(removals?.failed ?? 0);

  const rows = byApplication.map((row) => ({
    applicationId: row.application_id,
    applicationName: row.application_name,
    certify: Number(row.certify),
    remove: Number(row.remove),
    leaveOpen: Number(row.leave_open),
  }));
  const sum = (pick: (row: (typeof rows)[number]) => number) =>
    rows.reduce((total, row) => total + pick(row), 0);
  return {
    campaign,
    rule: applied,
    certify: sum((row) => row.certify),
    remove: sum((row) => row.remove),
    leaveOpen: sum((row) => row.leaveOpen),
    open: sum((row) => row.certify + row.remove + row.leaveOpen),
    byApplication: rows,
    warnings: warnings.map((row) => ({
      resourceId: row.resource_id,
      resourceName: row.resource_name,
      applicationName: row.application_name,
      plannedRemovals: Number(row.planned),
      removedInCampaign: Number(row.removed),
      currentGrants: Number(row.current),
      message: `Closing would remove every grant of ${row.resource_name} in ${row.application_name} (${Number(row.planned)} by this rule, ${Number(row.removed)} already removed by reviewers, ${Number(row.current)} current grants).`,
    })),
    ...(inProgress + failed > 0
      ? {
          unfinishedRemovals: {
            inProgress,
            failed,
            message: `Earlier decisions left ${unfinishedParts(inProgress, failed)}. Closing does not stop them: they carry on after the close, and an evidence export shows each one's status at the time of the export.`,
          },
        }
      : {}),
  };
}

/** Words the counts of unfinished and failed removals, leaving out a zero. */
function unfinishedParts(inProgress: number, failed: number): string {
  const parts: string[] = [];
  if (inProgress > 0)
    parts.push(`${inProgress} removal${inProgress === 1 ? '' : 's'} still in progress`);
  if (failed > 0)
    parts.push(
      `${failed} failed removal${failed === 1 ? '' : 's'} waiting for a retry or a manual confirmation`,
    );
  return parts.join(' and ');
}

/** Lists the open tasks after `afterSeq` with their planned outcome, `limit` at a time, in launch order. */
export async function plannedCloses(
  em: EntityManager,
  campaignId: number,
  rule: NoResponseRule,
  afterSeq: number,
  limit: number,
): Promise<PlannedClose[]> {
  const rows = await em.getConnection().execute<
    {
      seq: number;
      task_id: string;
      grant_id: number;
      application_name: string;
      resource_name: string;
      subject_name: string;
      principal_name: string;
      recommendation: string | null;
      outcome: CloseOutcome;
    }[]
  >(`select * from (${openTasksSql(rule)}) p where p.seq > ? order by p.seq limit ?`, [campaignId, afterSeq, limit]);
  return rows.map((row) => ({
    seq: row.seq,
    taskId: row.task_id,
    grantId: row.grant_id,
    applicationName: row.application_name,
    resourceName: row.resource_name,
    subjectName: row.subject_name,
    principalName: row.principal_name,
    recommendation: row.recommendation,
    outcome: row.outcome,
  }));
}
