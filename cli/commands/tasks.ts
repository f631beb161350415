import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import cliProgress from 'cli-progress';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadDatabaseConfig } from '../../db/config.js';
import { PolicyRepository } from '../../db/policy-repository.js';
import { superAdminIds } from '../../db/role-repository.js';
import {
  findFailedRemovals,
  findTasksByQuery,
  findTasksOnOlderPolicy,
  removalRetrySender,
  runBatch,
  taskActionSender,
  type BatchResult,
  type BatchSender,
  type BatchTargets,
} from '../../runtime/batch-actions.js';
import type { TaskAction } from '../../workflows/messages.js';
import { NotAllowedError, parseOptions, splitSubcommand, UsageError } from '../command.js';
import { withDatabase, withTemporal } from '../context.js';

export const description = 'Act on many review tasks at once (super admins only)';

const usage = `Usage:
  recert tasks hard-reset --policy NAME [--campaign ID] --as EMAIL [--dry-run]
  recert tasks cancel|skip-step --query QUERY --as EMAIL --reason TEXT [--dry-run]
  recert tasks process-now --query QUERY --as EMAIL [--dry-run]
  recert tasks retry-removals [--campaign ID] --as EMAIL --reason TEXT [--dry-run]

hard-reset moves every open task of policy NAME that is on an older version to the latest
version, back to its first step (task logs are kept). cancel, skip-step and process-now take
a Temporal visibility query over the review task search attributes, for example
  --query 'RecertCampaignId = "12" AND RecertAssignee = "345"'
and act on the open review tasks it matches. retry-removals tries every failed removal again
(all campaigns, or campaign ID), for example once a connector's target is back up.

Options:
  --as EMAIL          the super admin the actions are recorded for (required)
  --reason TEXT       reason written into each task log (required for cancel, skip-step and
                      retry-removals; hard-reset defaults to "Moved to NAME vN")
  --dry-run           list what would change and act on nothing
  --concurrency N     tasks in flight at once (default 8)
  --batch-id ID       names the run; rerunning with the same id resumes it (default: derived
                      from the command, so rerunning the same command resumes; retry-removals
                      starts a new run each time)
  --json              print one JSON summary
  -h, --help          show this help

Exits 0 when every task was applied, 1 when any was rejected or --as is not a super admin,
2 on a usage error.`;

const ACTIONS = {
  'hard-reset': 'hardReset',
  cancel: 'cancel',
  'skip-step': 'skipStep',
  'process-now': 'processNow',
  'retry-removals': 'retryRemovals',
} as const;

async function resolveSuperAdmin(orm: MikroORM, email: string): Promise<number> {
  const em = orm.em.fork();
  const [identity] = await em
    .getConnection()
    .execute<{ id: number }[]>('select id from identity where lower(email) = lower(?)', [email]);
  if (!identity) throw new UsageError(`No identity has the email ${email}.`);
  if (!(await superAdminIds(em)).includes(identity.id)) {
    throw new NotAllowedError(
      `${email} is not a super admin. Batch actions need a super admin (RECERT_SUPER_ADMINS or the roles page).`,
    );
  }
  return identity.id;
}

export async function run(args: string[]): Promise<number> {
  const [sub, rest] = splitSubcommand(args);
  const { values } = parseOptions(
    rest,
    {
      policy: { type: 'string' },
      campaign: { type: 'string' },
      query: { type: 'string' },
      as: { type: 'string' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '8' },
      'batch-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
    false,
  );
  if (values.help || !sub) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  if (!(sub in ACTIONS)) throw new UsageError(`Unknown tasks command "${sub}".\n\n${usage}`);
  const actionType = ACTIONS[sub as keyof typeof ACTIONS];
  if (!values.as)
    throw new UsageError(`--as EMAIL is required: name the super admin acting.\n\n${usage}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(
      `--concurrency must be a whole number from 1 to 64, got "${values.concurrency}".`,
    );
  }
  const campaignId = values.campaign === undefined ? undefined : Number(values.campaign);
  if (campaignId !== undefined && !Number.isInteger(campaignId))
    throw new UsageError(`--campaign must be a campaign id (a number).`);
  if (actionType === 'hardReset' && !values.policy)
    throw new UsageError(`hard-reset needs --policy NAME.\n\n${usage}`);
  if (actionType !== 'hardReset' && actionType !== 'retryRemovals' && !values.query)
    throw new UsageError(`${sub} needs --query QUERY.\n\n${usage}`);
  if (
    (actionType === 'cancel' || actionType === 'skipStep' || actionType === 'retryRemovals') &&
    !values.reason?.trim()
  )
    throw new UsageError(
      `${sub} needs --reason TEXT: the reason is kept in each task log as evidence.\n\n${usage}`,
    );

  return withDatabase((orm) =>
    withTemporal(async (client) => {
      const actorId = await resolveSuperAdmin(orm, values.as!);
      const actor = { label: `cli:${userInfo().username} as identity:${actorId}` };
      let targets: BatchTargets;
      let send: BatchSender;
      let batchId: string;
      let plan: string;

      if (actionType === 'hardReset') {
        const latest = await new PolicyRepository(orm.em.fork()).find(values.policy!);
        if (!latest)
          throw new UsageError(
            `Policy "${values.policy}" is not published. List policies with: recert policy list`,
          );
        targets = await findTasksOnOlderPolicy(client, orm, {
          policyName: latest.name,
          latestVersion: latest.version,
          campaignId,
        });
        send = taskActionSender(
          client,
          orm,
          () => ({
            type: 'hardReset',
            actorId,
            reason: values.reason ?? `Moved to ${latest.name} v${latest.version}`,
            onlyIfBelowVersion: latest.version,
          }),
          actor,
        );
        batchId =
          values['batch-id'] ??
          `hard-reset-${latest.name}-v${latest.version}${campaignId === undefined ? '' : `-c${campaignId}`}`;
        plan = `${targets.taskIds.length} open task(s) of ${latest.name} on versions older than v${latest.version}${campaignId === undefined ? '' : ` in campaign ${campaignId}`} would be reset to v${latest.version}.`;
      } else if (actionType === 'retryRemovals') {
        targets = await findFailedRemovals(orm, { campaignId });
        send = removalRetrySender(client, orm, { actorId, comment: values.reason! }, actor);
        // Each run is a new attempt, so it gets its own id unless the operator resumes one.
        batchId = values['batch-id'] ?? `retry-removals-${new Date().toISOString()}`;
        plan = `${targets.taskIds.length} failed removal(s)${campaignId === undefined ? '' : ` in campaign ${campaignId}`} would be tried again.`;
      } else {
        targets = await findTasksByQuery(client, values.query!);
        const reason = values.reason;
        send = taskActionSender(
          client,
          orm,
          () =>
            ({
              type: actionType,
              actorId,
              ...(reason && actionType !== 'processNow' ? { reason } : {}),
            }) as TaskAction,
          actor,
        );
        batchId =
          values['batch-id'] ??
          `${sub}-${createHash('sha256').update(values.query!).digest('hex').slice(0, 10)}`;
        plan = `${targets.taskIds.length} open task(s) match the query and would get ${sub}.`;
      }

      const warnings = [
        ...targets.onlyInVisibility.map(
          (id) => `  ${id}: found by the Temporal query, not (yet) in the projection`,
        ),
        ...targets.onlyInProjection.map(
          (id) => `  ${id}: in the projection, not (yet) found by the Temporal query`,
        ),
      ];
      if (values['dry-run']) {
        const summary = { action: sub, batchId, dryRun: true, tasks: targets.taskIds, ...targets };
        if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const lines = [plan, ...targets.taskIds.slice(0, 50).map((id) => `  ${id}`)];
          if (targets.taskIds.length > 50)
            lines.push(`  … and ${targets.taskIds.length - 50} more`);
          if (warnings.length)
            lines.push(
              'Sources disagree (both are included; tasks already moved are skipped):',
              ...warnings,
            );
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        return 0;
      }

      const cursorFile = join(loadDatabaseConfig().dataDir, 'batches', `${batchId}.json`);
      const bar =
        process.stderr.isTTY && !values.json
          ? new cliProgress.SingleBar(
              { format: `${sub} [{bar}] {value}/{total} tasks`, stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(targets.taskIds.length, 0);
      const results: BatchResult[] = await runBatch({
        batchId,
        taskIds: targets.taskIds,
        actionName: actionType,
        send,
        concurrency,
        cursorFile,
        onProgress: (done) => bar?.update(done),
      });
      bar?.stop();

      const applied = results.filter((r) => r.outcome === 'applied').length;
      const rejected = results.filter(
        (r): r is Extract<BatchResult, { outcome: 'rejected' }> => r.outcome === 'rejected',
      );
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ action: sub, batchId, cursorFile, applied, rejected }, null, 2)}\n`,
        );
      } else {
        const lines = [
          `${sub}: ${applied} applied, ${rejected.length} rejected (batch ${batchId}, progress in ${cursorFile}).`,
        ];
        for (const r of rejected.slice(0, 50)) lines.push(`  ${r.taskId}: ${r.reason}`);
        if (rejected.some((r) => /super admin/i.test(r.reason))) {
          lines.push(
            'A task accepts repair actions only from the super admins it was launched with, so name super admins (RECERT_SUPER_ADMINS or the roles page) before launching a campaign.',
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      // Exit 1 when anything was rejected, so scripts notice a partial batch.
      return rejected.length ? 1 : 0;
    }),
  );
}
