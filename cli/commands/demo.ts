import { writeFile } from 'node:fs/promises';
import {
  DEMO_DEFAULT_IDENTITIES,
  DEMO_DEFAULT_SEED,
  DEMO_REFERENCE_DATE,
  DEMO_STALE_AFTER_DAYS,
  generateDemoOrganisation,
} from '../../db/demo/generate.js';
import { parseOptions, UsageError } from '../command.js';

export const description = 'Generate a demo organisation as a SCIM directory and a CSV of grants';

const usage = `Usage: recert demo generate [options]

Writes a deterministic demo organisation: PATH.scim.json (the directory: people,
departments, titles, managers, leavers) and PATH.grants.csv (GitHub, AWS and Workday
grants), with terminated people who keep access, orphaned, service, unused and disabled
accounts, and peer outliers. The same options always write the same bytes.

Import it with:
  recert import PATH.scim.json --application okta && recert import PATH.grants.csv

Options:
  --seed N           seed of the random generator (default ${DEMO_DEFAULT_SEED})
  --identities N     number of people (default ${DEMO_DEFAULT_IDENTITIES}, at least 30; about 4.5 grants each)
  --out PATH         path of the two files without extension (default demo-organisation)
  --as-of DATE       date logins and leaving dates are relative to (default ${DEMO_REFERENCE_DATE.toISOString().slice(0, 10)})
  --json             print the manifest of expected cases as JSON
  -h, --help         show this help`;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`Invalid --${name} "${value}": use a whole number.

${usage}`);
  return number;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      seed: { type: 'string' },
      identities: { type: 'string' },
      out: { type: 'string', default: 'demo-organisation' },
      'as-of': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals[0] !== 'generate' || positionals.length !== 1) throw new UsageError(usage);
  let asOf = DEMO_REFERENCE_DATE;
  if (values['as-of'] !== undefined) {
    asOf = new Date(values['as-of']);
    if (Number.isNaN(asOf.getTime()))
      throw new UsageError(`Invalid --as-of "${values['as-of']}": use a date such as 2026-01-05.`);
  }
  const demo = generateDemoOrganisation({
    seed: positiveInteger(values.seed, 'seed', DEMO_DEFAULT_SEED),
    identities: positiveInteger(values.identities, 'identities', DEMO_DEFAULT_IDENTITIES),
    asOf,
  });
  const base = values.out.replace(/(\.scim)?\.json$|(\.grants)?\.csv$/, '');
  await writeFile(`${base}.scim.json`, demo.directory);
  await writeFile(`${base}.grants.csv`, demo.grantsCsv);

  if (values.json) {
    process.stdout.write(`${JSON.stringify(demo.manifest)}\n`);
    return 0;
  }
  const { manifest } = demo;
  const cases = manifest.cases;
  process.stdout.write(
    [
      `Wrote ${base}.scim.json (${manifest.directory.users} people) and ${base}.grants.csv (${manifest.totalGrants} grants).`,
      `  terminated people still holding access  ${cases.terminatedWithAccess} (${cases.terminatedGrants} grants)`,
      `  orphaned accounts                       ${cases.orphanedAccounts}`,
      `  service accounts                        ${cases.serviceAccounts}`,
      `  accounts unused for ${DEMO_STALE_AFTER_DAYS}+ days            ${cases.staleAccounts}`,
      `  disabled accounts holding grants        ${cases.disabledAccountsWithGrants}`,
      `  peer outliers                           ${cases.peerOutliers.length}`,
      `Import with: recert import ${base}.scim.json --application okta && recert import ${base}.grants.csv`,
      '',
    ].join('\n'),
  );
  return 0;
}
