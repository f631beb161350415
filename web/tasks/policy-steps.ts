import type { EntityManager } from '@mikro-orm/postgresql';
import type { PolicyDefinition, PolicyStep } from '../../workflows/policy.js';

// Published policy versions never change, so one process-wide cache is always current.
const definitions = new Map<string, PolicyDefinition | null>();

const key = (name: string, version: number) => `${name}@${version}`;

/**
 * Loads the definitions of the given policy versions into the cache with one query, so a list
 * page can tell which rows need a comment before the reviewer tries.
 */
export async function loadPolicyDefinitions(
  em: EntityManager,
  versions: { policyName: string; policyVersion: number }[],
): Promise<void> {
  const missing = [
    ...new Map(
      versions
        .filter((v) => !definitions.has(key(v.policyName, v.policyVersion)))
        .map((v) => [key(v.policyName, v.policyVersion), v]),
    ).values(),
  ];
  if (missing.length === 0) return;
  const rows = await em
    .getConnection()
    .execute<{ name: string; version: number; definition: PolicyDefinition }[]>(
      `select p.name, p.version, p.definition from policy p
       join jsonb_to_recordset(?::jsonb) as wanted(name text, version int)
         on wanted.name = p.name and wanted.version = p.version`,
      [JSON.stringify(missing.map((v) => ({ name: v.policyName, version: v.policyVersion })))],
    );
  for (const v of missing) definitions.set(key(v.policyName, v.policyVersion), null);
  for (const row of rows) definitions.set(key(row.name, row.version), row.definition);
}

/** The step of a loaded policy version, or undefined when unknown. */
export function policyStep(
  policyName: string,
  policyVersion: number,
  stepIndex: number,
): PolicyStep | undefined {
  return definitions.get(key(policyName, policyVersion))?.steps[stepIndex];
}
