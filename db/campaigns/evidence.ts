/**
 * Evidence export: one CSV row per task of a campaign, and the campaign's whole task log as a
 * second CSV. A JSON manifest lists each file's sha256 and row count, the imports of access
 * and of identities the snapshot was taken from, and counts an auditor can check the files
 * against. Everything is read from PostgreSQL (`campaign_grant`, `review_task`, `task_event`),
 * never from workflow histories, which Temporal deletes after the retention period. Rows
 * stream through `COPY ... TO STDOUT` into the files, so memory stays flat however many tasks
 * the campaign has.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { REMOVAL_APPROVED_DETAIL } from '../../workflows/messages.js';
import type { PolicyDefinition } from '../../workflows/policy.js';
import { TASK_DELETED_SQL } from './deleted-tasks.js';
import type { CampaignSourceImport } from '../entities/campaign.entity.js';
import { identityImportsAtSnapshot, type EvidenceIdentityImport } from './evidence-imports.js';
import { PolicyRepository } from '../policy-repository.js';
import { getCampaign, type CampaignRecord } from './campaign-repository.js';

/**
 * Returns SQL for a grant's final outcome from its projection row `t`. A removal that an
 * approver denied kept the access, so it is reported apart from removals.
 */
function finalOutcomeSql(deletedCondition: string): string {
  return `case when t.status = 'removed' and t.revocation_status = 'denied' then 'removal_denied'
            else coalesce(t.status, case when ${deletedCondition} then 'deleted' end, 'not_started') end`;
}

/**
 * Version of the file layout below. Changing or removing a column or field changes it. A count
 * added to the manifest does not, because readers of the older layout can skip it.
 */
export const EVIDENCE_FORMAT = 'recert-evidence/1';

/**
 * A text cell safe to open in a spreadsheet: a cell starting with =, +, -, @, tab or carriage
 * return is read as a formula by Excel and similar programs, so it gets a leading apostrophe.
 */
export function neutralisedSql(expression: string): string {
  return `(case when left(${expression}, 1) in ('=', '+', '-', '@', chr(9), chr(13))
            then '''' || ${expression} else ${expression} end)`;
}

/** Formats a time as ISO 8601 UTC with milliseconds (empty for null). */
function isoSql(expression: string): string {
  return `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** One CSV column: its header and the SQL that fills it. */
interface Column {
  name: string;
  sql: string;
}

const text = (name: string, expression: string): Column => ({
  name,
  sql: neutralisedSql(expression),
});
const plain = (name: string, expression: string): Column => ({ name, sql: expression });

/** Columns of the decisions at step `index` (0-based), from lateral join `d<index>`. */
function stepColumns(index: number): Column[] {
  const n = index + 1;
  const d = `d${index}`;
  return [
    plain(
      `step_${n}_decision`,
      `case ${d}.type when 'certified' then 'certify' when 'removed' then 'remove'
         when 'step_skipped' then 'skipped' end`,
    ),
    plain(`step_${n}_reviewer_id`, `${d}.actor_id`),
    text(`step_${n}_reviewer_name`, `${d}.actor_name`),
    text(`step_${n}_reviewer_email`, `${d}.actor_email`),
    plain(`step_${n}_decided_at`, isoSql(`${d}.at`)),
    text(`step_${n}_comment`, `${d}.comment`),
  ];
}

/** Joins the latest decision (certify, remove or skip) at step `index` as `d<index>`. */
function stepJoin(index: number): string {
  return `left join lateral (
      select e.type, e.actor_id, e.at, e.comment, i.display_name as actor_name, i.email as actor_email
        from task_event e left join identity i on i.id = e.actor_id
       where e.task_id = cg.task_id and e.step_index = ${index}
         and e.type in ('certified', 'removed', 'step_skipped')
       order by e.seq desc limit 1) d${index} on true`;
}

/** Lists the `tasks.csv` columns, with `steps` groups of step columns. */
export function taskColumns(steps: number): Column[] {
  return [
    plain('campaign_id', 'cg.campaign_id'),
    text('campaign_name', 'c.name'),
    text('task_id', 'cg.task_id'),
    plain('grant_id', 'cg.grant_id'),
    plain('subject_identity_id', 'cg.subject_identity_id'),
    text('subject_name', 'cg.subject_name'),
    text('subject_email', 'si.email'),
    plain('principal_type', 'cg.principal_type'),
    text('account_external_id', 'cg.principal_external_id'),
    // The snapshot's principal_name is the login, which removals need. The display name (CSV
    // account_name) comes from the account row, which imports update but never delete.
    text('account_name', 'coalesce(acc.display_name, cg.principal_name)'),
    text('application_key', 'cg.application_key'),
    text('application_name', 'cg.application_name'),
    text('resource_external_id', 'cg.resource_external_id'),
    text('resource_name', 'cg.resource_name'),
    text('resource_type', 'cg.resource_type'),
    text('risk_level', 'cg.risk_level'),
    plain('grant_source', `case when cg.inherited then 'inherited' else 'direct' end`),
    text(
      'granted_via',
      `(select string_agg(v.value, '; ' order by v.ord)
          from jsonb_array_elements_text(cg.granted_via) with ordinality v(value, ord))`,
    ),
    ...Array.from({ length: steps }, (_, index) => stepColumns(index)).flat(),
    text(
      'recommendation_shown',
      `coalesce(ld.data->'shown'->'recommendation'->>'kind', t.recommendation)`,
    ),
    text(
      'recommendation_reasons',
      // Reasons are sentences, so each loses its final period to read "a; b" instead of "a.; b".
      `(select string_agg(regexp_replace(r.value, '\\.\\s*$', ''), '; ' order by r.ord)
          from jsonb_array_elements_text(coalesce(ld.data->'shown'->'recommendation'->'reasons', '[]'::jsonb))
               with ordinality r(value, ord))`,
    ),
    plain('recommendation_outcome', `ld.data->>'recommendationOutcome'`),
    text('assignee_names', 'asg.names'),
    text('assignee_emails', 'asg.emails'),
    plain('final_outcome', finalOutcomeSql('del.at is not null')),
    plain('closed_at', isoSql('coalesce(t.closed_at, del.at)')),
    plain(
      'closed_by',
      `case when del.at is not null and t.id is null then 'super_admin'
            when t.status is null or t.status = 'open' then null
            when cc.outcome is not null then 'campaign_rule'
            when t.status = 'canceled' or fd.type = 'step_skipped' then 'super_admin'
            else 'reviewer' end`,
    ),
    plain('campaign_rule_outcome', 'cc.outcome'),
    plain('revocation_outcome', 't.revocation_status'),
    plain('revocation_updated_at', isoSql('rv.at')),
    text('revocation_detail', 'rv.detail'),
    text('revocation_actor_name', 'rv.actor_name'),
    text('revocation_actor_email', 'rv.actor_email'),
    text('revocation_comment', 'rv.comment'),
    // The approver's decision stays visible after later events (removal by hand, verification).
    plain('revocation_approval', 'ap.decision'),
    plain('revocation_approval_at', isoSql('ap.at')),
    text('revocation_approver_name', 'ap.actor_name'),
    text('revocation_approver_email', 'ap.actor_email'),
    text('revocation_approval_comment', 'ap.comment'),
    // A deleted task has no row; its deletion entry keeps the policy it was on.
    text('policy_name', `coalesce(t.policy_name, nullif(del.policy_name, ''), c.policy_name)`),
    plain(
      'policy_version',
      `coalesce(t.policy_version, nullif(del.policy_version, 0), c.policy_version)`,
    ),
  ];
}

// Selects the assignees of the latest assignment, reassignment or escalation, so a task that
// closed without a decision still names its reviewers. An escalation without targets keeps
// the step's assignees, so the query skips it.
const latestAssigneesSql = `
      select string_agg(i.display_name, '; ' order by a.ord) as names,
             string_agg(i.email, '; ' order by a.ord) as emails
        from (select coalesce(e.data->'assigneeIds', e.data->'to') as ids from task_event e
               where e.task_id = cg.task_id and e.type in ('assigned', 'reassigned', 'escalated')
                 and not (e.type = 'escalated' and jsonb_array_length(e.data->'to') = 0)
               order by e.seq desc limit 1) latest
        cross join lateral jsonb_array_elements_text(latest.ids) with ordinality a(id, ord)
        join identity i on i.id = a.id::int`;

function tasksQuery(campaignId: number, steps: number): string {
  const columns = taskColumns(steps);
  return `select ${selectList(columns)}
    from campaign_grant cg
    join campaign c on c.id = cg.campaign_id
    left join review_task t on t.id = cg.task_id
    left join identity si on si.id = cg.subject_identity_id
    left join account acc on acc.id = cg.account_id
    ${Array.from({ length: steps }, (_, index) => stepJoin(index)).join('\n')}
    left join lateral (
      select e.data from task_event e
       where e.task_id = cg.task_id and e.type in ('certified', 'removed')
       order by e.seq desc limit 1) ld on true
    left join lateral (
      select e.data->>'outcome' as outcome from task_event e
       where e.task_id = cg.task_id and e.type = 'closed_by_campaign'
       order by e.seq desc limit 1) cc on true
    left join lateral (
      select e.at, e.comment, i.display_name as actor_name, i.email as actor_email,
             case when e.data->>'status' = 'denied' then 'denied' else 'approved' end as decision
        from task_event e left join identity i on i.id = e.actor_id
       where e.task_id = cg.task_id and e.type = 'revocation_updated'
         and (e.data->>'status' = 'denied' or e.data->>'detail' = '${REMOVAL_APPROVED_DETAIL}')
       order by e.seq desc limit 1) ap on true
    left join lateral (
      select e.at, e.data->>'detail' as detail, e.comment,
             i.display_name as actor_name, i.email as actor_email
        from task_event e left join identity i on i.id = e.actor_id
       where e.task_id = cg.task_id and e.type in ('revocation_started', 'revocation_updated')
       order by e.seq desc limit 1) rv on true
    left join lateral (${latestAssigneesSql}) asg on true
    left join lateral (
      select e.type from task_event e
       where e.task_id = cg.task_id and e.type in ('certified', 'removed', 'step_skipped')
       order by e.seq desc limit 1) fd on true
    left join lateral (
      select e.at, e.policy_name, e.policy_version from task_event e
       where e.task_id = cg.task_id and e.type = 'deleted'
       limit 1) del on true
   where cg.campaign_id = ${campaignId}
   order by cg.seq`;
}

/** The `task-log.csv` columns: every task log entry of every task in the campaign. */
export const TASK_LOG_COLUMNS: Column[] = [
  text('task_id', 'e.task_id'),
  plain('seq', 'e.seq'),
  plain('type', 'e.type'),
  plain('actor_id', 'e.actor_id'),
  text('actor_name', 'i.display_name'),
  text('actor_email', 'i.email'),
  plain('at', isoSql('e.at')),
  plain('step_index', 'e.step_index'),
  text('policy_name', 'e.policy_name'),
  plain('policy_version', 'e.policy_version'),
  text('comment', 'e.comment'),
  text('data', 'e.data::text'),
];

/** Builds the select list for `columns`, each under its CSV header. */
function selectList(columns: Column[]): string {
  return columns.map((column) => `${column.sql} as "${column.name}"`).join(', ');
}

function taskLogQuery(campaignId: number): string {
  return `select ${selectList(TASK_LOG_COLUMNS)}
    from campaign_grant cg
    join task_event e on e.task_id = cg.task_id
    left join identity i on i.id = e.actor_id
   where cg.campaign_id = ${campaignId}
   order by cg.seq, e.seq`;
}

/** Columns of connector-calls.csv: every call a removal made to a target, with its result. */
export const CONNECTOR_CALL_COLUMNS: Column[] = [
  text('task_id', 'c.task_id'),
  text('connector', 'c.connector'),
  plain('call', 'c.call'),
  text('idempotency_key', 'c.idempotency_key'),
  plain('attempt', 'c.attempt'),
  plain('started_at', isoSql('c.started_at')),
  plain('finished_at', isoSql('c.finished_at')),
  plain('outcome', 'c.outcome'),
  text('detail', 'c.detail'),
];

function connectorCallQuery(campaignId: number): string {
  return `select ${selectList(CONNECTOR_CALL_COLUMNS)}
    from campaign_grant cg
    join connector_call c on c.task_id = cg.task_id
   where cg.campaign_id = ${campaignId}
   order by cg.seq, c.started_at, c.id`;
}

/** One exported file as the manifest lists it. */
export interface EvidenceFile {
  name: string;
  sha256: string;
  bytes: number;
  /** Data rows, without the header row. */
  rows: number;
  columns: string[];
}

/** The manifest an auditor checks the files against. */
export interface EvidenceManifest {
  format: string;
  generatedAt: string;
  generatedBy: string;
  campaign: {
    id: number;
    name: string;
    status: string;
    policy: { name: string; version: number; steps: string[] };
    owner: { identityId: number; name: string; email: string | null };
    startsAt: string | null;
    dueAt: string;
    snapshotAt: string | null;
    launchedAt: string | null;
    closedAt: string | null;
    noResponseRule: string;
    closeRule: string | null;
  };
  counts: {
    /** Grants in the frozen snapshot: the tasks the campaign was to start. */
    snapshotGrants: number;
    /** Tasks with a projection row. */
    tasks: number;
    /** Rows of tasks.csv by final outcome; not_started counts grants without a task. */
    byFinalOutcome: Record<string, number>;
    /**
     * Removed tasks by revocation status at the time of the export: whether each removal is
     * still in progress, failed, or done.
     */
    byRevocationOutcome: Record<string, number>;
    taskLogEntries: number;
  };
  sourceImports: CampaignSourceImport[];
  /**
   * The imports that stored identities (directory attributes and managers) when the snapshot
   * resolved the first step's reviewers.
   */
  identityImports: EvidenceIdentityImport[];
  files: EvidenceFile[];
}

/** Passes bytes through while hashing and counting them. */
function digestTap() {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), bytes }) };
}

async function copyToFile(
  client: pg.Client,
  query: string,
  path: string,
): Promise<{ sha256: string; bytes: number; rows: number }> {
  const copy = client.query(copyTo(`copy (${query}) to stdout with (format csv, header true)`));
  const tap = digestTap();
  await pipeline(copy, tap.stream, createWriteStream(path));
  return { ...tap.result(), rows: copy.rowCount };
}

/** Step count of the widest policy a campaign's tasks decided under. */
async function stepCount(client: pg.Client, campaignId: number, definition?: PolicyDefinition) {
  const { rows } = await client.query<{ steps: number | null }>(
    `select max(e.step_index) + 1 as steps
       from campaign_grant cg join task_event e on e.task_id = cg.task_id
      where cg.campaign_id = $1 and e.type in ('certified', 'removed', 'step_skipped')`,
    [campaignId],
  );
  return Math.max(definition?.steps.length ?? 1, Number(rows[0]?.steps ?? 0));
}

/** File names of a campaign's evidence, so pages and tests can find them. */
export function evidenceFileNames(campaignId: number) {
  return {
    tasks: `campaign-${campaignId}-tasks.csv`,
    taskLog: `campaign-${campaignId}-task-log.csv`,
    connectorCalls: `campaign-${campaignId}-connector-calls.csv`,
    manifest: `campaign-${campaignId}-manifest.json`,
  };
}

/**
 * Writes a campaign's evidence into `outDir`: tasks.csv, task-log.csv and manifest.json. All
 * reads run in one repeatable-read transaction, so the files and the counts describe the same
 * moment even while reviewers keep deciding.
 */
export async function writeEvidence(
  orm: MikroORM,
  campaignId: number,
  outDir: string,
  generatedBy: string,
): Promise<{ manifest: EvidenceManifest; manifestSha256: string; paths: string[] }> {
  if (!Number.isInteger(campaignId)) throw new Error(`Invalid campaign id ${campaignId}.`);
  const em = orm.em.fork();
  const campaign: CampaignRecord = await getCampaign(em, campaignId);
  const policy = await new PolicyRepository(em).find(campaign.policyName, campaign.policyVersion);
  const names = evidenceFileNames(campaignId);
  await mkdir(outDir, { recursive: true });

  const client = new pg.Client({ connectionString: orm.config.getClientUrl() });
  await client.connect();
  let manifest: EvidenceManifest;
  try {
    await client.query('begin isolation level repeatable read read only');
    const steps = await stepCount(client, campaignId, policy?.definition);
    const generatedAt = new Date().toISOString();
    const tasks = await copyToFile(
      client,
      tasksQuery(campaignId, steps),
      join(outDir, names.tasks),
    );
    const taskLog = await copyToFile(client, taskLogQuery(campaignId), join(outDir, names.taskLog));
    const connectorCalls = await copyToFile(
      client,
      connectorCallQuery(campaignId),
      join(outDir, names.connectorCalls),
    );
    const { rows: outcomes } = await client.query<{ outcome: string; count: string }>(
      `select ${finalOutcomeSql(TASK_DELETED_SQL)} as outcome, count(*) as count
         from campaign_grant cg left join review_task t on t.id = cg.task_id
        where cg.campaign_id = $1 group by 1 order by 1`,
      [campaignId],
    );
    const { rows: revocations } = await client.query<{ outcome: string; count: string }>(
      `select revocation_status as outcome, count(*) as count from review_task
        where campaign_id = $1 and revocation_status is not null group by 1 order by 1`,
      [campaignId],
    );
    const identityImports = await identityImportsAtSnapshot(client, campaignId);
    const { rows: projected } = await client.query<{ count: string }>(
      'select count(*) as count from review_task where campaign_id = $1',
      [campaignId],
    );
    await client.query('commit');

    manifest = {
      format: EVIDENCE_FORMAT,
      generatedAt,
      generatedBy,
      campaign: {
        id: campaign.id,
        name: campaign.name,
        status: campaign.status,
        policy: {
          name: campaign.policyName,
          version: campaign.policyVersion,
          steps: policy?.definition.steps.map((step) => step.name) ?? [],
        },
        owner: {
          identityId: campaign.ownerId,
          name: campaign.ownerName,
          email: campaign.ownerEmail,
        },
        startsAt: campaign.startsAt?.toISOString() ?? null,
        dueAt: campaign.dueAt.toISOString(),
        snapshotAt: campaign.snapshotAt?.toISOString() ?? null,
        launchedAt: campaign.launchedAt?.toISOString() ?? null,
        closedAt: campaign.closedAt?.toISOString() ?? null,
        noResponseRule: campaign.noResponseRule,
        closeRule: campaign.closeRule,
      },
      counts: {
        snapshotGrants: campaign.snapshotGrants ?? 0,
        tasks: Number(projected[0]?.count ?? 0),
        byFinalOutcome: Object.fromEntries(outcomes.map((row) => [row.outcome, Number(row.count)])),
        byRevocationOutcome: Object.fromEntries(
          revocations.map((row) => [row.outcome, Number(row.count)]),
        ),
        taskLogEntries: taskLog.rows,
      },
      sourceImports: campaign.sourceImports ?? [],
      identityImports,
      files: [
        { name: names.tasks, ...tasks, columns: taskColumns(steps).map((column) => column.name) },
        {
          name: names.taskLog,
          ...taskLog,
          columns: TASK_LOG_COLUMNS.map((column) => column.name),
        },
        {
          name: names.connectorCalls,
          ...connectorCalls,
          columns: CONNECTOR_CALL_COLUMNS.map((column) => column.name),
        },
      ],
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }

  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeFile(join(outDir, names.manifest), manifestText);
  return {
    manifest,
    manifestSha256: createHash('sha256').update(manifestText).digest('hex'),
    paths: [names.tasks, names.taskLog, names.connectorCalls, names.manifest].map((name) =>
      join(outDir, name),
    ),
  };
}
