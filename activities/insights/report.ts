/**
 * The decision report, computed from the decisions in `task_event`. It counts how often a
 * "remove this access" recommendation was followed or overridden, and how many decisions came
 * faster than a minimum time, which is a sign of approving without reading.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** Decision counts of one campaign or one reviewer. */
export interface DecisionStats {
  decisions: number;
  certified: number;
  removed: number;
  /** "Remove this access" was shown and the reviewer removed. */
  followed: number;
  /** "Remove this access" was shown and the reviewer certified. */
  overridden: number;
  /** "Take a closer look" was shown. */
  closerLookShown: number;
  /** No recommendation was shown, including decisions recorded before recommendations existed. */
  noRecommendation: number;
  /** Decisions made less than `fastDecisionSeconds` after the step was assigned. */
  fast: number;
  /** Median seconds from assignment to decision, or null without timed decisions. */
  medianSeconds: number | null;
}

export interface CampaignDecisionStats extends DecisionStats {
  /** Null for tasks started outside a campaign. */
  campaignId: number | null;
  campaignName: string | null;
}

export interface ReviewerDecisionStats extends DecisionStats {
  campaignId: number | null;
  reviewerId: number;
  reviewerName: string | null;
  reviewerEmail: string | null;
}

export interface DecisionReport {
  fastDecisionSeconds: number;
  /** One row per campaign, by campaign id. */
  campaigns: CampaignDecisionStats[];
  /** One row per campaign and reviewer, most fast decisions first. */
  reviewers: ReviewerDecisionStats[];
}

interface StatsRow {
  campaign_id: number | null;
  campaign_name: string | null;
  reviewer_id: number | null;
  reviewer_name: string | null;
  reviewer_email: string | null;
  by_reviewer: boolean;
  decisions: string | number;
  certified: string | number;
  removed: string | number;
  followed: string | number;
  overridden: string | number;
  closer_look_shown: string | number;
  no_recommendation: string | number;
  fast: string | number;
  median_seconds: string | number | null;
}

// Reviewer decisions only: certify and remove log entries carry the actor and the provenance
// the reducer recorded. Campaign-close outcomes (`closed_by_campaign`) are not reviewer
// decisions and are left out. One statement computes campaign totals and per-reviewer rows
// through grouping sets, so both come from the same snapshot of the table.
const REPORT_SQL = `
with decision as (
  select t.campaign_id, e.actor_id, e.type,
         coalesce(e.data->>'recommendationOutcome', 'no_recommendation') as outcome,
         case when jsonb_typeof(e.data->'secondsSinceAssigned') = 'number'
              then (e.data->>'secondsSinceAssigned')::numeric end as seconds
    from task_event e
    join review_task t on t.id = e.task_id
   where e.type in ('certified', 'removed') and e.actor_id is not null
     and (?::int is null or t.campaign_id = ?::int)
),
stats as (
  select campaign_id, actor_id, grouping(actor_id) = 0 as by_reviewer,
         count(*) as decisions,
         count(*) filter (where type = 'certified') as certified,
         count(*) filter (where type = 'removed') as removed,
         count(*) filter (where outcome = 'followed') as followed,
         count(*) filter (where outcome = 'overridden') as overridden,
         count(*) filter (where outcome = 'closer_look_shown') as closer_look_shown,
         count(*) filter (where outcome not in ('followed', 'overridden', 'closer_look_shown'))
           as no_recommendation,
         count(*) filter (where seconds < ?) as fast,
         percentile_cont(0.5) within group (order by seconds) as median_seconds
    from decision
   group by grouping sets ((campaign_id), (campaign_id, actor_id))
)
select s.*, c.name as campaign_name, s.actor_id as reviewer_id,
       i.display_name as reviewer_name, i.email as reviewer_email
  from stats s
  left join campaign c on c.id = s.campaign_id
  left join identity i on i.id = s.actor_id
 order by s.campaign_id nulls last, s.fast desc, s.decisions desc, s.actor_id`;

function statsOf(row: StatsRow): DecisionStats {
  return {
    decisions: Number(row.decisions),
    certified: Number(row.certified),
    removed: Number(row.removed),
    followed: Number(row.followed),
    overridden: Number(row.overridden),
    closerLookShown: Number(row.closer_look_shown),
    noRecommendation: Number(row.no_recommendation),
    fast: Number(row.fast),
    medianSeconds: row.median_seconds === null ? null : Number(row.median_seconds),
  };
}

/**
 * Reports, per campaign and per reviewer within it, how reviewers decided on the tasks that
 * showed recommendations, and how many decisions took less than `fastDecisionSeconds`.
 * Without `campaignId` it covers every campaign and the tasks outside campaigns.
 *
 * @example
 * const report = await decisionReport(em, { campaignId: 7, fastDecisionSeconds: 10 });
 * const [campaign] = report.campaigns; // campaign.overridden, campaign.fast, ...
 */
export async function decisionReport(
  em: EntityManager,
  options: { campaignId?: number; fastDecisionSeconds: number },
): Promise<DecisionReport> {
  const campaignId = options.campaignId ?? null;
  const rows = await em
    .getConnection()
    .execute<StatsRow[]>(
      REPORT_SQL,
      [campaignId, campaignId, options.fastDecisionSeconds],
      'all',
      em.getTransactionContext(),
    );

  const report: DecisionReport = {
    fastDecisionSeconds: options.fastDecisionSeconds,
    campaigns: [],
    reviewers: [],
  };
  for (const row of rows) {
    if (row.by_reviewer) {
      report.reviewers.push({
        ...statsOf(row),
        campaignId: row.campaign_id,
        reviewerId: Number(row.reviewer_id),
        reviewerName: row.reviewer_name,
        reviewerEmail: row.reviewer_email,
      });
    } else {
      report.campaigns.push({
        ...statsOf(row),
        campaignId: row.campaign_id,
        campaignName: row.campaign_name,
      });
    }
  }
  return report;
}

/** Returns `part` as a whole percentage of `total`, or null when `total` is zero. */
export function percentOf(part: number, total: number): number | null {
  return total === 0 ? null : Math.round((part / total) * 100);
}
