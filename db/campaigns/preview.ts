import type { EntityManager } from '@mikro-orm/postgresql';
import { PolicyRepository } from '../policy-repository.js';
import { getCampaign, type CampaignRecord } from './campaign-repository.js';

/** Grants per application, per resource or per reviewer in a snapshot. */
export interface LoadCount {
  id: number;
  name: string;
  /** The application of a resource; absent for applications and reviewers. */
  applicationName?: string;
  email?: string | null;
  grants: number;
}

/** Grants that no reviewer can decide, grouped by the reason. */
export interface UnassignedGroup {
  reason: string;
  grants: number;
  /** Up to `sampleSize` of them, for the page and the CLI. */
  sample: { grantId: number; subjectName: string; applicationName: string; resourceName: string }[];
}

/** The load a campaign's launch would start, from its frozen snapshot. */
export interface CampaignPreview {
  campaign: CampaignRecord;
  total: number;
  direct: number;
  inherited: number;
  accountGrants: number;
  groupGrants: number;
  viaRule: number;
  viaFallback: number;
  byApplication: LoadCount[];
  /** The largest resources first, at most `limit` of them. */
  byResource: LoadCount[];
  resourceCount: number;
  /** Each reviewer with the grants they may decide; a grant with two reviewers counts for both. */
  byReviewer: LoadCount[];
  reviewerCount: number;
  unassigned: number;
  unassignedByReason: UnassignedGroup[];
  /** Problems a launch would run into later, such as removals that no owner can carry out. */
  warnings: string[];
}

/** Summarises a campaign's snapshot; call `takeSnapshot` first. */
export async function previewCampaign(
  em: EntityManager,
  campaignId: number,
  options: { limit?: number; sampleSize?: number } = {},
): Promise<CampaignPreview> {
  const limit = options.limit ?? 50;
  const sampleSize = options.sampleSize ?? 20;
  const campaign = await getCampaign(em, campaignId);
  const db = em.getConnection();

  const [totals] = await db.execute<Record<string, string>[]>(
    `select count(*) as total,
            count(*) filter (where not inherited) as direct,
            count(*) filter (where inherited) as inherited,
            count(*) filter (where principal_type = 'account') as account_grants,
            count(*) filter (where principal_type = 'group') as group_grants,
            count(*) filter (where assigned_via = 'rule') as via_rule,
            count(*) filter (where assigned_via = 'fallback') as via_fallback,
            count(*) filter (where assigned_via = 'none') as unassigned,
            count(distinct resource_id) as resources
       from campaign_grant where campaign_id = ?`,
    [campaignId],
  );
  const byApplication = await db.execute<{ id: number; name: string; grants: string }[]>(
    `select application_id as id, min(application_name) as name, count(*) as grants
       from campaign_grant where campaign_id = ? group by application_id order by grants desc, name`,
    [campaignId],
  );
  const byResource = await db.execute<
    { id: number; name: string; application_name: string; grants: string }[]
  >(
    `select resource_id as id, min(resource_name) as name, min(application_name) as application_name,
            count(*) as grants
       from campaign_grant where campaign_id = ?
      group by resource_id order by grants desc, name limit ?`,
    [campaignId, limit],
  );
  const byReviewer = await db.execute<
    { id: number; name: string; email: string | null; grants: string; reviewers: string }[]
  >(
    `select x.id, i.display_name as name, i.email, x.grants, count(*) over () as reviewers
       from (select a.value::int as id, count(*) as grants
               from campaign_grant cg cross join jsonb_array_elements_text(cg.assignee_ids) a(value)
              where cg.campaign_id = ? group by a.value::int) x
       join identity i on i.id = x.id
      order by x.grants desc, i.display_name limit ?`,
    [campaignId, limit],
  );
  const reasons = await db.execute<
    {
      reason: string;
      grants: string;
      sample: UnassignedGroup['sample'];
    }[]
  >(
    `select reviewer_reason as reason, count(*) as grants,
            (select coalesce(jsonb_agg(s.item), '[]'::jsonb) from (
               select jsonb_build_object('grantId', c2.grant_id, 'subjectName', c2.subject_name,
                        'applicationName', c2.application_name, 'resourceName', c2.resource_name) as item
                 from campaign_grant c2
                where c2.campaign_id = cg.campaign_id and c2.assigned_via = 'none'
                  and c2.reviewer_reason is not distinct from cg.reviewer_reason
                order by c2.seq limit ?) s) as sample
       from campaign_grant cg where cg.campaign_id = ? and cg.assigned_via = 'none'
      group by cg.campaign_id, cg.reviewer_reason order by grants desc`,
    [sampleSize, campaignId],
  );

  const count = (value: string | undefined) => Number(value ?? 0);
  return {
    warnings: [
      ...(await emptyApplicationWarnings(em, campaign)),
      ...(await revocationWarnings(em, campaign)),
    ],
    campaign,
    total: count(totals?.total),
    direct: count(totals?.direct),
    inherited: count(totals?.inherited),
    accountGrants: count(totals?.account_grants),
    groupGrants: count(totals?.group_grants),
    viaRule: count(totals?.via_rule),
    viaFallback: count(totals?.via_fallback),
    unassigned: count(totals?.unassigned),
    resourceCount: count(totals?.resources),
    byApplication: byApplication.map((row) => ({
      id: row.id,
      name: row.name,
      grants: Number(row.grants),
    })),
    byResource: byResource.map((row) => ({
      id: row.id,
      name: row.name,
      applicationName: row.application_name,
      grants: Number(row.grants),
    })),
    byReviewer: byReviewer.map((row) => ({
      id: row.id,
      name: row.name,
      email: row.email,
      grants: Number(row.grants),
    })),
    reviewerCount: Number(byReviewer[0]?.reviewers ?? 0),
    unassignedByReason: reasons.map((row) => ({
      reason: row.reason ?? 'No reviewer was found.',
      grants: Number(row.grants),
      sample: row.sample,
    })),
  };
}

/**
 * Lists the applications in the snapshot where the policy has owners remove access by hand but
 * no owner is active (not terminated). The campaign owner then removes it by hand, as the
 * revocation workflow does, and when the campaign owner is terminated too, the removal fails.
 */
/** Returns a warning for each application the scope names that has no grant in the snapshot. */
async function emptyApplicationWarnings(
  em: EntityManager,
  campaign: CampaignRecord,
): Promise<string[]> {
  const keys = campaign.scope.applicationKeys;
  if (keys.length === 0) return [];
  const rows = await em.getConnection().execute<{ key: string; name: string }[]>(
    `select a.key, a.name from application a
      where a.key in (select jsonb_array_elements_text(?::jsonb))
        and not exists (select 1 from campaign_grant cg
                         where cg.campaign_id = ? and cg.application_id = a.id)
      order by a.name`,
    [JSON.stringify(keys), campaign.id],
  );
  return rows.map(
    (row) =>
      `${row.name} (${row.key}) has no grant in this campaign's scope, so it is not reviewed. Its grants may all be outside the risk levels, resource types, grant kind or principal type chosen, or it has none imported. Widen the scope, or create the campaign without it.`,
  );
}

async function revocationWarnings(em: EntityManager, campaign: CampaignRecord): Promise<string[]> {
  const policy = await new PolicyRepository(em).find(campaign.policyName, campaign.policyVersion);
  const revocation = policy?.definition.revocation;
  const manual =
    revocation?.mode === 'manual' ||
    (revocation?.mode === 'approval' && revocation.then.mode === 'manual');
  if (!manual) return [];
  const rows = await em.getConnection().execute<{ name: string; grants: string }[]>(
    `select min(cg.application_name) as name, count(*) as grants
       from campaign_grant cg
      where cg.campaign_id = ?
        and not exists (select 1 from application_owner o join identity i on i.id = o.identity_id
                         where o.application_id = cg.application_id
                           and i.employment_status <> 'terminated')
      group by cg.application_id order by name`,
    [campaign.id],
  );
  if (rows.length === 0) return [];
  const [owner] = await em
    .getConnection()
    .execute<{ active: boolean }[]>(
      `select employment_status <> 'terminated' as active from identity where id = ?`,
      [campaign.ownerId],
    );
  const ownerName = campaign.ownerEmail ?? campaign.ownerName;
  return rows.map((row) =>
    owner?.active
      ? `${row.name} (${row.grants} grants) has no active application owner, so the campaign owner (${ownerName}) removes access there by hand. Import the application with its owners to hand these removals to them, or publish a policy with a connector.`
      : `${row.name} (${row.grants} grants) has no active application owner, and the campaign owner (${ownerName}) is terminated, so a removal there fails. Import the application with its owners, or publish a policy with a connector.`,
  );
}
