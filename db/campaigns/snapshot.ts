import type { EntityManager } from '@mikro-orm/postgresql';
import type { CampaignScope } from '../entities/campaign.entity.js';
import { PolicyRepository } from '../policy-repository.js';
import { CampaignStateError, getCampaign, type CampaignRecord } from './campaign-repository.js';
import { resolveFirstStepSql, type SqlPart } from './reviewer-sql.js';

/**
 * Current grants in a campaign's scope with the names a review task shows. Removed grants,
 * resources, accounts and groups are never in scope. Columns ending in `_` avoid clashing
 * with the owner tables' own columns in the reviewer subqueries.
 */
export function scopedGrantsSql(scope: CampaignScope): SqlPart {
  const conditions = [
    'g.removed_at is null',
    'r.removed_at is null',
    '(a.id is null or a.removed_at is null)',
    '(pg.id is null or pg.removed_at is null)',
  ];
  const params: unknown[] = [];
  const anyOf = (column: string, list: string[]) => {
    if (list.length === 0) return;
    conditions.push(`${column} in (?)`);
    params.push(list);
  };
  anyOf('ap.key', scope.applicationKeys);
  anyOf('r.resource_type', scope.resourceTypes);
  anyOf('r.risk_level', scope.riskLevels);
  if (scope.principalType !== 'both')
    conditions.push(`g.principal_type = '${scope.principalType}'`);
  if (scope.grantKind === 'direct') conditions.push('not g.inherited');
  if (scope.grantKind === 'inherited') conditions.push('g.inherited');
  if (!scope.includeDisabledAccounts)
    conditions.push(`(g.principal_type <> 'account' or a.status <> 'disabled')`);
  if (!scope.includeOrphanedAccounts)
    conditions.push(`(g.principal_type <> 'account' or a.identity_id is not null)`);

  return {
    sql: `select g.id as grant_id, ap.id as application_id_, ap.key as application_key,
         ap.name as application_name, r.id as resource_id_, r.external_id as resource_external_id,
         r.display_name as resource_name, r.resource_type, r.risk_level, g.principal_type,
         a.id as account_id, pg.id as group_id,
         coalesce(a.external_id, pg.external_id, g.external_id) as principal_external_id,
         coalesce(a.login, a.display_name, pg.display_name, g.external_id) as principal_name,
         a.status as account_status, a.identity_id as subject_identity_id,
         coalesce(si.display_name, a.display_name, pg.display_name, g.external_id) as subject_name,
         si.employment_status as identity_status, g.inherited,
         coalesce((select jsonb_agg(coalesce(x.value->>'resourceName', x.value->>'resourceExternalId')
                                    order by x.ord)
                     from jsonb_array_elements(g.sources) with ordinality x(value, ord)), '[]'::jsonb)
           as granted_via
       from "grant" g
       join application ap on ap.id = g.application_id
       join resource r on r.id = g.resource_id
       left join account a on a.id = g.account_id
       left join identity si on si.id = a.identity_id
       left join principal_group pg on pg.id = g.group_id
      where ${conditions.join(' and ')}`,
    params,
  };
}

const SNAPSHOT_COLUMNS = `campaign_id, grant_id, seq, task_id, application_id, application_key,
  application_name, resource_id, resource_external_id, resource_name, resource_type, risk_level,
  principal_type, account_id, group_id, principal_external_id, principal_name, account_status,
  subject_identity_id, subject_name, identity_status, inherited, granted_via, assignee_ids,
  assigned_via, reviewer_reason`;

/** Result of taking (or finding) a campaign's snapshot. */
export interface SnapshotResult {
  campaign: CampaignRecord;
  /** False when the snapshot already existed and was left as it was. */
  written: boolean;
  grants: number;
}

/**
 * Writes the campaign's frozen snapshot of grants in scope, with each grant's first-step
 * reviewers resolved in bulk, in one `insert ... select`. Written once: a second call returns
 * the stored snapshot, unless `refresh` is set and the campaign is still a draft, in which
 * case the old rows are replaced.
 */
export async function takeSnapshot(
  em: EntityManager,
  campaignId: number,
  options: { refresh?: boolean } = {},
): Promise<SnapshotResult> {
  if (!Number.isInteger(campaignId)) throw CampaignStateError.notFound(campaignId);
  // Scope and policy never change after creation, so they can be read before the lock.
  const campaign = await getCampaign(em, campaignId);
  const policy = await new PolicyRepository(em).find(campaign.policyName, campaign.policyVersion);
  const firstStep = policy?.definition.steps[0];
  if (!firstStep) {
    throw new CampaignStateError(
      `Policy ${campaign.policyName} v${campaign.policyVersion} is not published or has no steps.`,
    );
  }
  const result = await em.transactional(async (tx) => {
    // Keep every statement on the transaction's connection (see db/policy-repository.ts).
    const context = tx.getTransactionContext();
    const run = <T extends object[]>(sql: string, params: unknown[] = []) =>
      tx.getConnection().execute<T>(sql, params, 'all', context);

    const [locked] = await run<{ status: string; snapshot_at: Date | null }[]>(
      'select status, snapshot_at from campaign where id = ? for update',
      [campaignId],
    );
    if (!locked) throw CampaignStateError.notFound(campaignId);
    if (locked.snapshot_at) {
      if (!options.refresh) return { written: false };
      if (locked.status !== 'draft') {
        throw new CampaignStateError(
          `Campaign ${campaignId} is ${locked.status}; its snapshot can be refreshed only while it is a draft.`,
        );
      }
      await run('delete from campaign_grant where campaign_id = ?', [campaignId]);
    }

    const resolved = resolveFirstStepSql(firstStep, scopedGrantsSql(campaign.scope));
    await run(
      `insert into campaign_grant (${SNAPSHOT_COLUMNS})
       select ${campaignId}, z.grant_id, row_number() over (order by z.grant_id),
              'review-c${campaignId}-g' || z.grant_id, z.application_id_, z.application_key,
              z.application_name, z.resource_id_, z.resource_external_id, z.resource_name,
              z.resource_type, z.risk_level, z.principal_type, z.account_id, z.group_id,
              z.principal_external_id, z.principal_name, z.account_status, z.subject_identity_id,
              z.subject_name, z.identity_status, z.inherited, z.granted_via,
              to_jsonb(z.assignee_ids), z.assigned_via, z.reviewer_reason
         from (${resolved.sql}) z`,
      resolved.params,
    );
    await run(
      `update campaign set snapshot_at = now(),
         snapshot_grants = (select count(*) from campaign_grant where campaign_id = ?),
         source_imports = (
           select coalesce(jsonb_agg(jsonb_build_object(
                    'importRunId', x.id, 'applicationKey', x.key, 'sourceFile', x.source_file,
                    'sha256', x.sha256, 'format', x.format, 'syncId', x.sync_id,
                    'finishedAt', x.finished_at) order by x.key), '[]'::jsonb)
             from (select distinct on (ra.application_id) r.*, ap.key
                     from import_run_application ra
                     join import_run r on r.id = ra.import_run_id
                     join application ap on ap.id = ra.application_id
                    where r.status = 'succeeded'
                      and ra.application_id in (select distinct application_id from campaign_grant
                                                 where campaign_id = ?)
                    order by ra.application_id, r.finished_at desc nulls last, r.id desc) x)
       where id = ?`,
      [campaignId, campaignId, campaignId],
    );
    return { written: true };
  });
  const stored = await getCampaign(em, campaignId);
  return { campaign: stored, written: result.written, grants: stored.snapshotGrants ?? 0 };
}
