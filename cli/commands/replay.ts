import { existsSync } from 'node:fs';
import { logger } from '../../runtime/logger.js';
import { replayFromServer, bundleForReplay, campaignReplayQuery } from '../../runtime/replay.js';
import { installTemporalRuntime } from '../../runtime/temporal-runtime.js';
import { parseOptions, UsageError } from '../command.js';
import { withTemporal } from '../context.js';

export const description = 'Replay workflow histories against this code before deploying it';

const usage = `Usage: recert replay [--campaign ID | --query QUERY] [--limit N] [--workflows FILE] [--json]

Fetches the histories of campaigns, review tasks and their revocations from Temporal and
replays them against the workflow code, reporting each nondeterminism with the workflow id
and the first diverging event. Exits with 1 if any history fails or none matched, so it can
gate a deploy.

Options:
  --campaign ID      only this campaign's workflow, its review tasks and their revocations
  --query QUERY      a Temporal visibility query, e.g. 'RecertPolicy = "quarterly-sox"'
  --limit N          replay at most N histories
  --workflows FILE   the workflows entry file to test (default: workflows/index.ts of this
                     checkout); point it at a candidate build to test it before deploying
  --json             print one JSON report`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseOptions(
    args,
    {
      campaign: { type: 'string' },
      query: { type: 'string' },
      limit: { type: 'string' },
      workflows: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
    false,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.campaign && values.query)
    throw new UsageError(`Give --campaign or --query, not both.\n\n${usage}`);
  const campaignId = values.campaign === undefined ? undefined : Number(values.campaign);
  if (campaignId !== undefined && !Number.isInteger(campaignId))
    throw new UsageError('--campaign must be a campaign id (a number).');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError('--limit must be a positive whole number.');

  if (values.workflows !== undefined && !existsSync(values.workflows)) {
    throw new UsageError(
      `--workflows ${values.workflows}: file not found. Give the workflows entry file of the build to test, for example workflows/index.ts.`,
    );
  }
  // The replay worker's own log lines would drown the report.
  installTemporalRuntime(logger.child({ component: 'replay' }, { level: 'error' }));
  const bundle = await bundleForReplay(values.workflows);
  const query = campaignId !== undefined ? campaignReplayQuery(campaignId) : values.query;
  const report = await withTemporal((client) =>
    replayFromServer(client, {
      query,
      limit,
      bundle,
      onProgress: (done) => {
        if (process.stderr.isTTY && !values.json && done % 100 === 0)
          process.stderr.write(`\rreplayed ${done}`);
      },
    }),
  );

  if (report.replayed === 0) {
    const target =
      campaignId !== undefined
        ? `campaign ${campaignId}`
        : query
          ? `the query ${query}`
          : 'this namespace';
    process.stderr.write(
      `No workflow histories matched ${target}, so nothing was checked. Check the campaign id or the query; histories older than the namespace's retention period are deleted.\n`,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const lines = [`Replayed ${report.replayed} histories: ${report.failures.length} failed.`];
    for (const failure of report.failures)
      lines.push(`  ${failure.workflowId} (run ${failure.runId}): ${failure.message}`);
    if (report.failures.length) {
      lines.push(
        'These workflows would break on this code. Guard the change with patched() (see docs/operations.md).',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return report.failures.length ? 1 : 0;
}
