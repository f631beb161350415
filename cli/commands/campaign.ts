import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import {
  CampaignStateError,
  getCampaign,
  listCampaigns,
  validateAndCreateCampaign,
  type CampaignRecord,
} from '../../db/campaigns/campaign-repository.js';
import {
  CampaignDefinitionError,
  NO_RESPONSE_RULES,
  type NoResponseRule,
} from '../../db/campaigns/campaign-schema.js';
import { planClose, plannedCloses, type PlannedClose } from '../../db/campaigns/close-plan.js';
import { previewCampaign, type CampaignPreview } from '../../db/campaigns/preview.js';
import {
  campaignCounts,
  campaignProgress,
  type CampaignCounts,
  type CampaignProgress,
} from '../../db/campaigns/progress.js';
import { evidenceFileNames } from '../../db/campaigns/evidence.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import { defaultActor } from '../../db/import/index.js';
import {
  auditCampaignCreated,
  auditSnapshot,
  CampaignRequestError,
  closeCampaign,
  exportEvidence,
  launchCampaign,
  readCampaignRun,
  remindReviewers,
} from '../../runtime/campaign-client.js';
import { loadTemporalConfig } from '../../temporal.config.js';
import { parseOptions, splitSubcommand, UsageError } from '../command.js';
import { userPath, withDatabase, withTemporal } from '../context.js';

export const description =
  'Create, preview, launch, watch, close and export access review campaigns';

const usage = `Usage:
  recert campaign create [--file FILE] [options]   create a draft campaign
  recert campaign list [--json]
  recert campaign preview ID [--refresh] [--limit N] [--json]
  recert campaign launch ID [--no-wait] [--concurrency N] [--batch-size N] [--json]
  recert campaign status ID [--json]
  recert campaign remind ID [--json]
  recert campaign close ID --dry-run [--list] [--rule RULE] [--json]
  recert campaign close ID --yes [--rule RULE] [--reason TEXT] [--no-wait] [--json]
  recert campaign export ID --out DIR [--overwrite] [--json]

create reads a YAML or JSON file (--file) and/or these options; options override the file:
  --name TEXT                  campaign name
  --policy NAME[@VERSION]      published policy (latest version when no @VERSION)
  --owner EMAIL                identity that owns the campaign
  --admin EMAIL                further campaign administrator (repeatable)
  --starts DATE, --due DATE    start and due date (2027-01-31 or 2027-01-31T17:00:00Z)
  --instructions TEXT          instructions for reviewers (Markdown)
  --instructions-file FILE     read the instructions from a Markdown file
  --view VIEW                  default view: by_application, by_user or unstructured
  --no-response RULE           at the due date: leave_open, certify, remove or follow_recommendation
  --application KEY            application in scope (repeatable; default all)
  --resource-type TYPE         resource type in scope (repeatable; default all)
  --risk LEVEL                 resource risk level in scope (repeatable; default all)
  --grant-kind KIND            direct, inherited or both (default both)
  --principal-type TYPE        account, group or both (default account)
  --exclude-disabled           leave out accounts disabled in their application
  --exclude-orphaned           leave out accounts that match no identity

preview writes the frozen snapshot of grants in scope once (--refresh rewrites a draft's) and
prints the load per application, resource and reviewer, and the grants without a reviewer.
launch starts one review task per snapshot grant and shows a progress bar until all have started.
close --dry-run lists what closing now would certify, remove or leave open; --yes closes.
See docs/campaigns.md.`;

function campaignId(value: string | undefined): number {
  const id = Number(value);
  if (!value || !Number.isInteger(id) || id <= 0)
    throw new UsageError(
      `Name the campaign by its id, for example: recert campaign status 3\n\n${usage}`,
    );
  return id;
}

function wholeNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new UsageError(`Invalid --${name} "${value}": use a whole number above 0.`);
  return number;
}

function rule(value: string | undefined): NoResponseRule | undefined {
  if (value === undefined) return undefined;
  if (!(NO_RESPONSE_RULES as readonly string[]).includes(value))
    throw new UsageError(`Invalid --rule "${value}": use ${NO_RESPONSE_RULES.join(', ')}.`);
  return value as NoResponseRule;
}

const options = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  file: { type: 'string' },
  name: { type: 'string' },
  policy: { type: 'string' },
  owner: { type: 'string' },
  admin: { type: 'string', multiple: true },
  starts: { type: 'string' },
  due: { type: 'string' },
  instructions: { type: 'string' },
  'instructions-file': { type: 'string' },
  view: { type: 'string' },
  'no-response': { type: 'string' },
  application: { type: 'string', multiple: true },
  'resource-type': { type: 'string', multiple: true },
  risk: { type: 'string', multiple: true },
  'grant-kind': { type: 'string' },
  'principal-type': { type: 'string' },
  'exclude-disabled': { type: 'boolean', default: false },
  'exclude-orphaned': { type: 'boolean', default: false },
  refresh: { type: 'boolean', default: false },
  limit: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
  concurrency: { type: 'string' },
  'batch-size': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  rule: { type: 'string' },
  reason: { type: 'string' },
  yes: { type: 'boolean', default: false },
  out: { type: 'string' },
  overwrite: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseOptions<typeof options>>['values'];

/** Reads the campaign file (YAML or JSON) and lays the options over it. */
async function definitionFrom(values: Values): Promise<Record<string, unknown>> {
  let raw: Record<string, unknown> = {};
  if (values.file) {
    const file = userPath(values.file);
    const text = await readFile(file, 'utf8').catch((error: Error) => {
      throw new UsageError(`Cannot read ${file}: ${error.message}`);
    });
    let parsed: unknown;
    try {
      parsed = extname(values.file) === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new UsageError(`${values.file} is not valid YAML or JSON: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UsageError(`${values.file} must contain one campaign object.`);
    raw = parsed as Record<string, unknown>;
  }
  const scope = { ...((raw.scope as Record<string, unknown> | undefined) ?? {}) };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  if (values.policy) {
    const [name, version] = values.policy.split('@');
    raw.policy = name;
    if (version !== undefined) raw.policyVersion = Number(version);
  }
  set(raw, 'name', values.name);
  set(raw, 'owner', values.owner);
  set(raw, 'admins', values.admin);
  set(raw, 'startsAt', values.starts);
  set(raw, 'dueAt', values.due);
  set(raw, 'instructions', values.instructions);
  if (values['instructions-file'])
    raw.instructions = await readFile(userPath(values['instructions-file']), 'utf8');
  set(raw, 'defaultView', values.view);
  set(raw, 'noResponseRule', values['no-response']);
  set(scope, 'applications', values.application);
  set(scope, 'resourceTypes', values['resource-type']);
  set(scope, 'riskLevels', values.risk);
  set(scope, 'grantKind', values['grant-kind']);
  set(scope, 'principalType', values['principal-type']);
  if (values['exclude-disabled']) scope.includeDisabledAccounts = false;
  if (values['exclude-orphaned']) scope.includeOrphanedAccounts = false;
  if (Object.keys(scope).length > 0) raw.scope = scope;
  return raw;
}

/** Runs `create`, adding the file name to a CampaignDefinitionError when there is a file. */
async function namingFile<T>(values: Values, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof CampaignDefinitionError) || !values.file) throw error;
    throw new CampaignDefinitionError(error.problems, values.file);
  }
}

function describeCampaign(campaign: CampaignRecord): string {
  const scope = campaign.scope;
  const list = (values: string[]) => (values.length ? values.join(', ') : 'all');
  return [
    `Campaign ${campaign.id}: ${campaign.name} (${campaign.status})`,
    `  policy        ${campaign.policyName} v${campaign.policyVersion}`,
    `  owner         ${campaign.ownerName}${campaign.ownerEmail ? ` <${campaign.ownerEmail}>` : ''}`,
    `  due           ${campaign.dueAt.toISOString()}${campaign.startsAt ? ` (starts ${campaign.startsAt.toISOString()})` : ''}`,
    `  no response   ${campaign.noResponseRule}`,
    `  default view  ${campaign.defaultView}`,
    `  scope         applications ${list(scope.applicationKeys)}; resource types ${list(scope.resourceTypes)}; risk ${list(scope.riskLevels)}; ${scope.grantKind} grants of ${scope.principalType === 'both' ? 'accounts and groups' : `${scope.principalType}s`}${scope.includeDisabledAccounts ? '' : '; no disabled accounts'}${scope.includeOrphanedAccounts ? '' : '; no orphaned accounts'}`,
  ].join('\n');
}

function describePreview(preview: CampaignPreview): string {
  const lines = [
    describeCampaign(preview.campaign),
    '',
    `Snapshot of ${preview.campaign.snapshotAt?.toISOString()}: ${preview.total} grants (${preview.direct} direct, ${preview.inherited} inherited; ${preview.accountGrants} account, ${preview.groupGrants} group)`,
    `  reviewers by rule ${preview.viaRule}, by fallback ${preview.viaFallback}, without reviewer ${preview.unassigned}`,
    '',
    'Per application:',
    ...preview.byApplication.map((row) => `  ${String(row.grants).padStart(7)}  ${row.name}`),
    '',
    `Per resource (largest ${preview.byResource.length} of ${preview.resourceCount}):`,
    ...preview.byResource.map(
      (row) => `  ${String(row.grants).padStart(7)}  ${row.applicationName} · ${row.name}`,
    ),
    '',
    `Per reviewer (${preview.byReviewer.length} of ${preview.reviewerCount}; a grant with several reviewers counts for each):`,
    ...preview.byReviewer.map(
      (row) =>
        `  ${String(row.grants).padStart(7)}  ${row.name}${row.email ? ` <${row.email}>` : ''}`,
    ),
  ];
  if (preview.warnings.length > 0) {
    lines.push('', 'Warnings:', ...preview.warnings.map((warning) => `  ${warning}`));
  }
  if (preview.unassigned > 0) {
    lines.push('', `Grants without a reviewer (${preview.unassigned}):`);
    for (const group of preview.unassignedByReason) {
      lines.push(`  ${group.grants}: ${group.reason}`);
      for (const grant of group.sample)
        lines.push(
          `    grant ${grant.grantId}: ${grant.subjectName} · ${grant.applicationName} · ${grant.resourceName}`,
        );
    }
  }
  return lines.join('\n');
}

/** Describes what a finished close did, one count per outcome. */
function describeClose(
  id: number,
  rule: string | null,
  summary: Record<string, number> | null,
): string {
  const count = (key: string) => summary?.[key] ?? 0;
  return [
    `Closed campaign ${id} with rule ${rule ?? 'unknown'}:`,
    `  certified ${count('certify')}, removed ${count('remove')}, left without a decision (expired) ${count('leaveOpen')}`,
    `  closed by a reviewer while the close ran ${count('alreadyClosed')}, task not found ${count('missing')}, rejected ${count('rejected')}`,
  ].join('\n');
}
function describeProgress(progress: CampaignProgress): string {
  const s = progress.byStatus;
  return [
    describeCampaign(progress.campaign),
    '',
    `Tasks: ${progress.opened} of ${progress.total} started; ${s.open} open, ${s.certified} certified, ${s.removed} removed, ${s.expired} expired, ${s.canceled} canceled${progress.deleted ? `, ${progress.deleted} deleted` : ''}`,
    `Overdue: ${progress.overdue}; removals in progress: ${progress.removalsInProgress}; removals denied (access kept): ${progress.removalsDenied}; failed revocations: ${progress.failedRevocations}`,
    '',
    'Per application (not started / open / certified / removed / expired):',
    ...progress.byApplication.map(
      (row) =>
        `  ${row.applicationName}: ${row.notStarted} / ${row.open} / ${row.certified} / ${row.removed} / ${row.expired}`,
    ),
    '',
    `Per reviewer (${progress.byReviewer.length} of ${progress.reviewerCount}; open / overdue / decided / closed unanswered):`,
    ...progress.byReviewer.map(
      (row) => `  ${row.name}: ${row.open} / ${row.overdue} / ${row.decided} / ${row.unanswered}`,
    ),
  ].join('\n');
}

/** Creates a progress bar on stderr when it is a terminal; otherwise prints a line every 10 seconds. */
function progressReporter(enabled: boolean, label: string) {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: ` ${label} {bar} {value}/{total} {detail}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done: number, total: number, detail: string) {
        if (!started) bar.start(total, done, { detail });
        started = true;
        bar.setTotal(total);
        bar.update(done, { detail });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(done: number, total: number, detail: string) {
      if (Date.now() - last < 10_000 && done < total) return;
      last = Date.now();
      process.stderr.write(`${label}: ${done}/${total} ${detail}\n`);
    },
    stop() {},
  };
}

/** Polls until `finished` holds, reporting progress; returns the last progress read. */
async function follow(
  orm: MikroORM,
  id: number,
  label: string,
  show: boolean,
  measure: (progress: CampaignCounts) => { done: number; detail: string },
  finished: (progress: CampaignCounts) => boolean,
): Promise<CampaignCounts> {
  const reporter = progressReporter(show, label);
  try {
    for (;;) {
      const progress = await campaignCounts(orm.em.fork(), id);
      const { done, detail } = measure(progress);
      reporter.update(done, progress.total, detail);
      if (finished(progress)) return progress;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    reporter.stop();
  }
}

async function withBoth<T>(fn: (orm: MikroORM, client: Client) => Promise<T>): Promise<T> {
  return withDatabase((orm) => withTemporal((client) => fn(orm, client)));
}

export async function run(args: string[]): Promise<number> {
  const [sub, rest] = splitSubcommand(args);
  const { values, positionals } = parseOptions(rest, options, usage);
  if (values.help || !sub) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const print = (value: unknown, text: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  const actor = defaultActor();
  const fail = (message: string) => {
    if (values.json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    else process.stderr.write(`${message}\n`);
    return 1;
  };

  try {
    switch (sub) {
      case 'create': {
        const raw = await definitionFrom(values);
        return await withDatabase(async (orm) => {
          // Checks the schema and the stored data together, so every problem is listed at once.
          const campaign = await namingFile(values, () =>
            validateAndCreateCampaign(orm.em.fork(), raw, actor),
          );
          await auditCampaignCreated(orm, actor, campaign);
          print(
            campaign,
            `${describeCampaign(campaign)}\nPreview it with: recert campaign preview ${campaign.id}`,
          );
          return 0;
        });
      }

      case 'list':
        return await withDatabase(async (orm) => {
          const campaigns = await listCampaigns(orm.em.fork());
          print(
            campaigns,
            campaigns.length
              ? campaigns
                  .map(
                    (c) =>
                      `${String(c.id).padStart(4)}  ${c.status.padEnd(9)}  due ${c.dueAt.toISOString().slice(0, 10)}  ${c.name}`,
                  )
                  .join('\n')
              : 'No campaigns yet. Create one with: recert campaign create --help',
          );
          return 0;
        });

      case 'preview': {
        const id = campaignId(positionals[0]);
        return await withDatabase(async (orm) => {
          const em = orm.em.fork();
          const snapshot = await takeSnapshot(em, id, { refresh: values.refresh });
          await auditSnapshot(orm, actor, snapshot, values.refresh === true);
          const preview = await previewCampaign(em, id, {
            limit: wholeNumber(values.limit, 'limit') ?? 20,
          });
          print(
            { ...preview, snapshotWritten: snapshot.written },
            `${describePreview(preview)}\n\n${snapshot.written ? 'Snapshot written.' : 'The stored snapshot is shown (--refresh rewrites a draft’s).'} Launch with: recert campaign launch ${id}`,
          );
          return 0;
        });
      }

      case 'launch': {
        const id = campaignId(positionals[0]);
        return await withBoth(async (orm, client) => {
          const launch = await launchCampaign(client, orm, id, {
            actor,
            taskQueue: loadTemporalConfig().taskQueue,
            launch: {
              ...(values.concurrency
                ? { concurrency: wholeNumber(values.concurrency, 'concurrency') }
                : {}),
              ...(values['batch-size']
                ? { batchSize: wholeNumber(values['batch-size'], 'batch-size') }
                : {}),
            },
          });
          if (!values.json && !launch.started)
            process.stderr.write('The campaign was already launched; following its progress.\n');
          if (values['no-wait']) {
            print(launch, `Launching campaign ${id} (${launch.campaign.snapshotGrants} tasks).`);
            return 0;
          }
          const started = Date.now();
          const progress = await follow(
            orm,
            id,
            'launch',
            !values.json,
            (p) => ({ done: p.opened, detail: `tasks started (${p.campaign.status})` }),
            (p) => p.opened >= p.total && p.campaign.status !== 'launching',
          );
          const seconds = (Date.now() - started) / 1000;
          print(
            {
              campaignId: id,
              tasks: progress.opened,
              total: progress.total,
              seconds,
              status: progress.campaign.status,
            },
            `Launched campaign ${id}: ${progress.opened} of ${progress.total} tasks started in ${seconds.toFixed(1)} s; each reviewer got one digest.`,
          );
          return 0;
        });
      }

      case 'status': {
        const id = campaignId(positionals[0]);
        return await withDatabase(async (orm) => {
          const progress = await campaignProgress(orm.em.fork(), id);
          let run: Awaited<ReturnType<typeof readCampaignRun>> = {};
          if (progress.campaign.status !== 'draft') {
            run = await withTemporal((client) => readCampaignRun(client, id)).catch(() => ({}));
          }
          const launchLine = run.launch
            ? `\nLaunch activity: ${run.launch.started + run.launch.existing + run.launch.inBatch} of ${run.launch.total} started (attempt ${run.launch.attempt}${run.launch.lastFailure ? `, last failure: ${run.launch.lastFailure}` : ''})`
            : '';
          print({ ...progress, run }, `${describeProgress(progress)}${launchLine}`);
          return 0;
        });
      }

      case 'remind': {
        const id = campaignId(positionals[0]);
        return await withBoth(async (orm, client) => {
          const state = await remindReviewers(client, orm, id, {
            actorId: null,
            actor,
            requestId: `cli-${id}-${Date.now()}`,
          });
          print(state, `Reminder digests requested for campaign ${id}.`);
          return 0;
        });
      }

      case 'close': {
        const id = campaignId(positionals[0]);
        const override = rule(values.rule);
        if (values['dry-run'] || !values.yes) {
          return await withDatabase(async (orm) => {
            const em = orm.em.fork();
            const plan = await planClose(em, id, override);
            const tasks: PlannedClose[] | undefined = values.list ? [] : undefined;
            if (tasks) {
              for (let after = 0; ;) {
                const page = await plannedCloses(em, id, plan.rule, after, 5000);
                if (page.length === 0) break;
                tasks.push(...page);
                after = page.at(-1)!.seq;
              }
            }
            const text = [
              `Closing campaign ${id} now with rule ${plan.rule} would:`,
              `  certify ${plan.certify}, remove ${plan.remove}, leave the access as it is ${plan.leaveOpen} (task closed as expired) of ${plan.open} open tasks`,
              ...plan.byApplication.map(
                (row) =>
                  `  ${row.applicationName}: certify ${row.certify}, remove ${row.remove}, leave as it is ${row.leaveOpen}`,
              ),
              ...plan.warnings.map((warning) => `WARNING: ${warning.message}`),
              ...(plan.unfinishedRemovals ? [`NOTE: ${plan.unfinishedRemovals.message}`] : []),
              ...(tasks ?? []).map(
                (task) =>
                  `  ${task.outcome.padEnd(10)} ${task.taskId}  ${task.subjectName} · ${task.applicationName} · ${task.resourceName}`,
              ),
              values['dry-run']
                ? 'Dry run: nothing was closed.'
                : 'Nothing was closed: add --yes to close the campaign.',
            ].join('\n');
            print({ ...plan, ...(tasks ? { tasks } : {}) }, text);
            return values['dry-run'] ? 0 : 1;
          });
        }
        return await withBoth(async (orm, client) => {
          await closeCampaign(client, orm, id, {
            actorId: null,
            actor,
            ...(override ? { rule: override } : {}),
            ...(values.reason ? { reason: values.reason } : {}),
          });
          if (values['no-wait']) {
            print({ campaignId: id, closing: true }, `Closing campaign ${id} in the background.`);
            return 0;
          }
          let closedSeenAt: number | undefined;
          const progress = await follow(
            orm,
            id,
            'close',
            !values.json,
            (p) => ({
              done: p.total - p.byStatus.open,
              detail: `tasks closed (${p.campaign.status})`,
            }),
            (p) => {
              // Wait for the projection to show the closed tasks too, for at most 30 seconds.
              if (p.campaign.status !== 'closed') return false;
              closedSeenAt ??= Date.now();
              return p.byStatus.open === 0 || Date.now() - closedSeenAt > 30_000;
            },
          );
          print(
            {
              campaignId: id,
              summary: progress.campaign.closeSummary,
              byStatus: progress.byStatus,
            },
            describeClose(id, progress.campaign.closeRule, progress.campaign.closeSummary),
          );
          return 0;
        });
      }

      case 'export': {
        const id = campaignId(positionals[0]);
        if (!values.out) throw new UsageError(`Name the output folder with --out DIR.\n\n${usage}`);
        const out = userPath(values.out);
        // Evidence already handed to an auditor must not change under them.
        const earlierManifest = join(out, evidenceFileNames(id).manifest);
        if (existsSync(earlierManifest) && !values.overwrite) {
          throw new UsageError(
            `${earlierManifest} already exists: evidence of campaign ${id} was exported there before. Pick another --out folder, or add --overwrite to replace it.`,
          );
        }
        return await withDatabase(async (orm) => {
          await getCampaign(orm.em.fork(), id);
          const result = await exportEvidence(orm, id, out, actor);
          print(
            { ...result.manifest, manifestSha256: result.manifestSha256, paths: result.paths },
            [
              `Wrote the evidence of campaign ${id} to ${out}:`,
              ...result.manifest.files.map(
                (file) => `  ${file.name}  ${file.rows} rows  sha256 ${file.sha256}`,
              ),
              `  ${result.paths.at(-1)}  sha256 ${result.manifestSha256}`,
            ].join('\n'),
          );
          return 0;
        });
      }

      default:
        throw new UsageError(`Unknown subcommand "${sub}".\n\n${usage}`);
    }
  } catch (error) {
    if (
      error instanceof CampaignDefinitionError ||
      error instanceof CampaignStateError ||
      error instanceof CampaignRequestError
    )
      return fail(error.message);
    throw error;
  }
}
