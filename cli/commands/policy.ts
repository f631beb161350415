import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  diffPolicies,
  parsePolicyDefinition,
  PolicyError,
  PolicyRepository,
} from '../../db/policy-repository.js';
import { unknownPolicyConnectors, unknownPolicyEmails } from '../../db/policy-warnings.js';
import { configuredConnectorNames } from '../../activities/connectors/registry.js';
import { recordAudit } from '../../runtime/task-client.js';
import { parseOptions, splitSubcommand, UsageError } from '../command.js';
import { userPath, withDatabase } from '../context.js';

export const description = 'List, show and publish review policies (immutable versions)';

const usage = `Usage:
  recert policy list [--json]
  recert policy show NAME [--version N] [--json]
  recert policy publish FILE [--dry-run] [--strict] [--json]

A policy file is YAML or JSON (see docs/policies.md). Each publish creates a new immutable
version and prints what changed against the previous one; publishing unchanged content
creates nothing. Running tasks stay on the version they started with until hard-reset.

--strict turns warnings (an email no identity has, a connector RECERT_CONNECTORS does not
name) into errors: nothing is published and the command exits 1. Use it in CI.`;

export async function run(args: string[]): Promise<number> {
  const [sub, rest] = splitSubcommand(args);
  const { values, positionals } = parseOptions(
    rest,
    {
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
  );
  if (values.help || !sub) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const print = (value: unknown, text: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  switch (sub) {
    case 'list':
      return withDatabase(async (orm) => {
        const rows = await new PolicyRepository(orm.em.fork()).listLatest();
        const text = rows.length
          ? rows
              .map(
                (r) =>
                  `${r.name.padEnd(30)} v${r.version}  published ${r.publishedAt.toISOString()} by ${r.publishedBy}`,
              )
              .join('\n')
          : 'No policies are published yet. Publish one with: recert policy publish FILE';
        print(rows, text);
        return 0;
      });

    case 'show': {
      const name = positionals[0];
      if (!name) throw new UsageError(`Name the policy to show.\n\n${usage}`);
      const version = values.version === undefined ? undefined : Number(values.version);
      if (version !== undefined && !Number.isInteger(version))
        throw new UsageError(`--version must be a whole number, got "${values.version}".`);
      return withDatabase(async (orm) => {
        const policy = await new PolicyRepository(orm.em.fork()).find(name, version);
        if (!policy) {
          process.stderr.write(
            `Policy "${name}"${version ? ` version ${version}` : ''} is not published. List policies with: recert policy list\n`,
          );
          return 1;
        }
        print(
          policy,
          `${policy.name} v${policy.version}\n${JSON.stringify(policy.definition, null, 2)}`,
        );
        return 0;
      });
    }

    case 'publish': {
      const file = positionals[0];
      if (!file) throw new UsageError(`Name the policy file to publish.\n\n${usage}`);
      const definition = await readPolicyFile(userPath(file));
      return withDatabase(async (orm) => {
        const repository = new PolicyRepository(orm.em.fork());
        const previous = await repository.find(definition.name);
        const changes = diffPolicies(previous?.definition, definition);
        const warnings = [
          ...(await unknownPolicyEmails(orm.em.fork(), definition)),
          ...(await configuredConnectorNames().then(
            (names) => unknownPolicyConnectors(definition, names),
            (error: unknown) => [
              `RECERT_CONNECTORS could not be checked: ${(error as Error).message}`,
            ],
          )),
        ];
        const level = values.strict ? 'error' : 'warning';
        for (const warning of warnings) process.stderr.write(`${level}: ${file}: ${warning}\n`);
        if (values.strict && warnings.length > 0) {
          process.stderr.write(
            `Nothing was published: --strict treats warnings as errors. Fix them, or publish without --strict.\n`,
          );
          return 1;
        }
        if (values['dry-run']) {
          print(
            { name: definition.name, currentVersion: previous?.version ?? null, changes },
            changes.length
              ? `Publishing would create ${definition.name} v${(previous?.version ?? 0) + 1}:\n${changes.join('\n')}`
              : `${definition.name} v${previous?.version} already has this content; nothing would be published.`,
          );
          return 0;
        }
        const actor = `cli:${userInfo().username}`;
        const result = await repository.publish(definition, actor);
        if (result.created) {
          await recordAudit(orm, {
            actor,
            action: 'policy.publish',
            targetType: 'policy',
            targetId: `${result.policy.name}@${result.policy.version}`,
            detail: { changes },
          });
        }
        print(
          {
            name: result.policy.name,
            version: result.policy.version,
            created: result.created,
            changes,
          },
          result.created
            ? `Published ${result.policy.name} v${result.policy.version}${previous ? ` (was v${previous.version})` : ''}:\n${changes.join('\n')}\nOpen tasks stay on their version; move them with: recert tasks hard-reset --policy ${result.policy.name}`
            : `${result.policy.name} v${result.policy.version} already has this content; nothing was published.`,
        );
        return 0;
      });
    }

    default:
      throw new UsageError(`Unknown policy command "${sub}".\n\n${usage}`);
  }
}

/** Reads and validates a YAML or JSON policy file; errors name the file and the field. */
export async function readPolicyFile(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `no such file (looked in ${resolve(file)}); check the path`
        : (error as Error).message;
    throw new PolicyError(`Cannot read ${file}: ${reason}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyError(`${file} is neither valid YAML nor JSON: ${(error as Error).message}`);
  }
  return parsePolicyDefinition(raw, file);
}
