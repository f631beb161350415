import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import type { PolicyDefinition, PolicyVersion } from '../workflows/policy.js';
import { closestMatch, describeUnknownKey } from './closest-match.js';
import { Policy } from './entities/policy.entity.js';
import { allowedPolicyKeys, policyDefinitionSchema } from './policy-schema.js';

/** Raised when a policy file or name is invalid; the message lists every problem. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Stable JSON (sorted keys), so the digest does not depend on key order in the file. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Reads the value at a Zod issue's path in the parsed file, for the message. */
function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Rewrites Zod's generic messages as what is wrong and what to write instead. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  const quoted = JSON.stringify(value);
  const options = /Expected (.+)$/.exec(issue.message)?.[1];
  if (issue.message.startsWith('Invalid discriminator value') && options) {
    const names = options.replaceAll("'", '').split(' | ');
    const choices = names.join(', ');
    if (value === undefined) return `missing; use one of ${choices}`;
    const match = typeof value === 'string' ? closestMatch(value, names) : undefined;
    return match
      ? `unknown value ${quoted}; did you mean ${match}?`
      : `unknown value ${quoted}; use one of ${choices}`;
  }
  if (issue.code === 'invalid_type' && value === undefined) {
    return `missing; add this ${issue.expected === 'object' ? 'section' : 'field'}`;
  }
  // A pattern rule states what it expects, and the value shows what was written.
  if (issue.code === 'invalid_format') {
    return value === undefined || issue.message.includes(', got ')
      ? issue.message
      : `${issue.message}, got ${quoted}`;
  }
  return issue.message;
}

/** Validates raw policy content and returns the definition, or throws PolicyError. */
export function parsePolicyDefinition(raw: unknown, source = 'policy'): PolicyDefinition {
  const result = policyDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  const problem = (path: PropertyKey[], text: string) =>
    `${source}: ${path.join('.') || '(top level)'}: ${text}`;
  const problems = result.error.issues.flatMap((issue) => {
    // Zod reports an object's unknown keys in one issue, so give each key its own line and path.
    if (issue.code !== 'unrecognized_keys') return [problem(issue.path, describeIssue(issue, raw))];
    const allowed = allowedPolicyKeys(issue.path, raw);
    return issue.keys.map((key) => problem([...issue.path, key], describeUnknownKey(key, allowed)));
  });
  throw new PolicyError(`Invalid policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

function toVersion(row: {
  name: string;
  version: number;
  definition: PolicyDefinition;
}): PolicyVersion {
  return { name: row.name, version: row.version, definition: row.definition };
}

/** Repository of published, immutable policy versions. */
export class PolicyRepository {
  constructor(private readonly em: EntityManager) {}

  /** The given version, or the latest when `version` is undefined; undefined when missing. */
  async find(name: string, version?: number): Promise<PolicyVersion | undefined> {
    const row = await this.em.findOne(
      Policy,
      version === undefined ? { name } : { name, version },
      { orderBy: { version: 'desc' } },
    );
    return row ? toVersion(row) : undefined;
  }

  async listLatest(): Promise<
    { name: string; version: number; publishedAt: Date; publishedBy: string }[]
  > {
    const rows = await this.em
      .getConnection()
      .execute<{ name: string; version: number; published_at: Date; published_by: string }[]>(
        `select distinct on (name) name, version, published_at, published_by
         from policy order by name, version desc`,
      );
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      publishedAt: new Date(r.published_at),
      publishedBy: r.published_by,
    }));
  }

  async history(name: string) {
    return this.em.find(Policy, { name }, { orderBy: { version: 'asc' } });
  }

  /**
   * Publishes a new immutable version. Publishing content identical to the latest version
   * returns that version instead of creating a new one.
   */
  async publish(
    definition: PolicyDefinition,
    publishedBy: string,
  ): Promise<{ policy: PolicyVersion; created: boolean; previous?: PolicyVersion }> {
    const digest = createHash('sha256').update(canonical(definition)).digest('hex');
    return this.em.transactional(async (tx) => {
      // Serialise publishers of the same policy name so two never take the same version.
      await tx.getConnection().execute(
        'select pg_advisory_xact_lock(hashtext(?))',
        [`policy:${definition.name}`],
        'run',
        // Without the transaction context the lock would be taken on another connection.
        tx.getTransactionContext(),
      );
      const latest = await tx.findOne(
        Policy,
        { name: definition.name },
        { orderBy: { version: 'desc' } },
      );
      if (latest && latest.digest === digest) {
        return { policy: toVersion(latest), created: false, previous: toVersion(latest) };
      }
      const row = tx.create(Policy, {
        name: definition.name,
        version: (latest?.version ?? 0) + 1,
        definition,
        digest,
        publishedBy,
        publishedAt: new Date(),
      });
      await tx.flush();
      return {
        policy: toVersion(row),
        created: true,
        previous: latest ? toVersion(latest) : undefined,
      };
    });
  }
}

/** Lines describing what changed between two definitions, by JSON path. */
export function diffPolicies(
  before: PolicyDefinition | undefined,
  after: PolicyDefinition,
): string[] {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (canonical(a) === canonical(b)) return;
    const objects = a && b && typeof a === 'object' && typeof b === 'object';
    if (objects) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const key of [...keys].sort()) {
        walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
        );
      }
      return;
    }
    if (a === undefined) lines.push(`+ ${path}: ${JSON.stringify(b)}`);
    else if (b === undefined) lines.push(`- ${path}: ${JSON.stringify(a)}`);
    else lines.push(`~ ${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  };
  walk(before ?? {}, after, '');
  return lines;
}
