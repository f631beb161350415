import cliProgress from 'cli-progress';
import { rebuildProjections } from '../../runtime/projection-rebuild.js';
import { recordAudit } from '../../runtime/task-client.js';
import { userInfo } from 'node:os';
import { parseOptions, splitSubcommand, UsageError } from '../command.js';
import { withDatabase, withTemporal } from '../context.js';

export const description = 'Rebuild review_task rows from the workflows after database trouble';

const usage = `Usage: recert projections rebuild [--campaign ID] [--json]

Reads every review task workflow Temporal still holds (running, or closed within the
namespace's retention) by query and rewrites its review_task row and missing task_event
rows. Rows newer than the workflow's state are left alone.`;

export async function run(args: string[]): Promise<number> {
  const [sub, rest] = splitSubcommand(args);
  const { values } = parseOptions(
    rest,
    {
      campaign: { type: 'string' },
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
  if (sub !== 'rebuild') throw new UsageError(`Unknown projections command "${sub}".\n\n${usage}`);
  const campaignId = values.campaign === undefined ? undefined : Number(values.campaign);
  if (campaignId !== undefined && !Number.isInteger(campaignId))
    throw new UsageError('--campaign must be a campaign id (a number).');

  return withDatabase((orm) =>
    withTemporal(async (client) => {
      const bar =
        process.stderr.isTTY && !values.json
          ? new cliProgress.SingleBar(
              { format: 'rebuild [{bar}] {value}/{total} tasks', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      const report = await rebuildProjections(client, orm, {
        campaignId,
        onProgress: (done, total) => {
          if (!started) {
            bar?.start(total, 0);
            started = true;
          }
          bar?.update(done);
        },
      });
      bar?.stop();
      await recordAudit(orm, {
        actor: `cli:${userInfo().username}`,
        action: 'projections.rebuild',
        targetType: campaignId === undefined ? 'all' : 'campaign',
        targetId: campaignId === undefined ? undefined : String(campaignId),
        outcome: report.failed.length ? 'failed' : 'ok',
        detail: { found: report.found, rebuilt: report.rebuilt, failed: report.failed.length },
      });
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [
          `Rebuilt ${report.rebuilt} of ${report.found} task rows; ${report.failed.length} failed.`,
        ];
        for (const failure of report.failed.slice(0, 50))
          lines.push(`  ${failure.taskId}: ${failure.message}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return report.failed.length ? 1 : 0;
    }),
  );
}
