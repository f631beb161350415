import cliProgress from 'cli-progress';
import {
  importFile,
  IMPORT_FORMATS,
  BadRowsError,
  countBadRows,
  ImportFileError,
  describeBadRow,
  type ImportFormat,
  type ImportSummary,
} from '../../db/import/index.js';
import { parseOptions, UsageError } from '../command.js';
import { userPath, withDatabase } from '../context.js';

export const description = 'Import access data from a c1z, baton-file, SCIM or CSV file';

const usage = `Usage: recert import FILE [options]

Imports one snapshot of access data. Formats are detected from the content.

Options:
  --format FORMAT            auto (default), c1z, baton-file, scim or csv
  --application KEY          application the file describes (default: from the file; see docs/importing.md)
  --dry-run                  parse, validate and compute the changes, then write nothing
  --json                     print one JSON summary object instead of text
  --skip-bad-rows            import the good rows of a file that has bad rows (default: import nothing)
  --allow-unfinished-sync    import a c1z file whose latest sync did not finish
  -h, --help                 show this help`;

const MAX_LISTED_ROWS = 50;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      format: { type: 'string', default: 'auto' },
      application: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'skip-bad-rows': { type: 'boolean', default: false },
      'allow-unfinished-sync': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`Name exactly one file to import.\n\n${usage}`);
  const format = values.format as ImportFormat | 'auto';
  if (format !== 'auto' && !IMPORT_FORMATS.includes(format)) {
    throw new UsageError(
      `Unknown --format "${values.format}"; use auto, ${IMPORT_FORMATS.join(', ')}.\n\n${usage}`,
    );
  }
  const file = userPath(positionals[0]!);

  // The progress bar goes to stderr and only on a terminal, so piped output stays clean.
  const bar =
    process.stderr.isTTY && process.stdout.isTTY && !values.json
      ? new cliProgress.SingleBar(
          {
            format: ' {bar} {percentage}% | {stage}',
            clearOnComplete: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(1, 0, { stage: 'reading' });
  let summary: ImportSummary;
  try {
    summary = await withDatabase((orm) =>
      importFile(orm, file, {
        format,
        application: values.application,
        dryRun: values['dry-run'],
        skipBadRows: values['skip-bad-rows'],
        allowUnfinishedSync: values['allow-unfinished-sync'],
        onProgress: (done, total, stage) => {
          if (!bar) return;
          if (total > 0) bar.setTotal(total);
          if (total > 0) bar.update(done, { stage });
          else bar.update({ stage });
        },
      }),
    );
  } catch (error) {
    bar?.stop();
    if (error instanceof BadRowsError) {
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ file, error: error.message, badRows: countBadRows(error.badRows), badRowDetails: error.badRows })}\n`,
        );
      } else {
        for (const row of error.badRows.slice(0, MAX_LISTED_ROWS))
          process.stderr.write(`${describeBadRow(row)}\n`);
        if (error.badRows.length > MAX_LISTED_ROWS) {
          process.stderr.write(
            `... and ${error.badRows.length - MAX_LISTED_ROWS} more problems (use --json to see all)\n`,
          );
        }
        process.stderr.write(`${error.message}\n`);
      }
      return 1;
    }
    if (error instanceof ImportFileError) {
      if (values.json) process.stdout.write(`${JSON.stringify({ file, error: error.message })}\n`);
      else process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  bar?.stop();

  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const lines = [
    `${summary.dryRun ? 'Dry run of' : 'Imported'} ${summary.file} (${summary.format}${summary.syncId ? `, sync ${summary.syncId}` : ''}) into ${summary.applications.join(', ')}:`,
    `  identities  ${summary.identities} (${summary.added.identities} new)`,
    `  accounts    ${summary.accounts} (${summary.added.accounts} new, ${summary.removedByKind.accounts} removed, ${summary.orphanedAccounts} human without an identity)`,
    `  groups      ${summary.groups} (${summary.added.groups} new, ${summary.removedByKind.groups} removed)`,
    `  resources   ${summary.resources} (${summary.added.resources} new, ${summary.removedByKind.resources} removed)`,
    `  grants      ${summary.grants} (${summary.added.grants} new, ${summary.removedByKind.grants} removed)`,
  ];
  if (summary.badRows > 0)
    lines.push(
      `  skipped ${summary.badRows} bad row${summary.badRows === 1 ? '' : 's'}:`,
      ...summary.badRowDetails.slice(0, MAX_LISTED_ROWS).map((row) => `    ${describeBadRow(row)}`),
    );
  if (summary.warnings.length > 0)
    lines.push(
      `  ${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}:`,
      ...summary.warnings.slice(0, MAX_LISTED_ROWS).map((row) => `    ${describeBadRow(row)}`),
    );
  if (summary.dryRun) lines.push('Nothing was written (--dry-run).');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
