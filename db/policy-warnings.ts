import type { EntityManager } from '@mikro-orm/postgresql';
import type { PolicyDefinition } from '../workflows/policy.js';

/**
 * Lists the emails a policy names that match no active identity yet, one line per email with
 * its field. Publishing still succeeds, because the directory may be imported later, but a
 * step whose reviewers are all unknown starts its tasks unassigned.
 */
export async function unknownPolicyEmails(
  em: EntityManager,
  definition: PolicyDefinition,
): Promise<string[]> {
  const named: { field: string; email: string }[] = [];
  const add = (field: string, emails: string[] | undefined) => {
    for (const email of emails ?? []) named.push({ field, email });
  };
  definition.steps.forEach((step, index) => {
    if (step.reviewer.kind === 'identities')
      add(`steps.${index}.reviewer.emails`, step.reviewer.emails);
    add(`steps.${index}.fallbackReviewerEmails`, step.fallbackReviewerEmails);
    add(`steps.${index}.escalateToEmails`, step.escalateToEmails);
  });
  if (definition.revocation.mode === 'approval')
    add('revocation.approverEmails', definition.revocation.approverEmails);
  if (named.length === 0) return [];

  const rows = await em.getConnection().execute<{ email: string }[]>(
    `select lower(email) as email from identity
        where lower(email) in (select jsonb_array_elements_text(?::jsonb))
          and employment_status <> 'terminated'`,
    [JSON.stringify(named.map((entry) => entry.email.toLowerCase()))],
  );
  const known = new Set(rows.map((row) => row.email));
  return named
    .filter((entry) => !known.has(entry.email.toLowerCase()))
    .map(
      (entry) =>
        `${entry.field}: ${entry.email} matches no active identity; import the directory that lists it before launching a campaign.`,
    );
}

/**
 * Lists the connectors a policy's revocation names that the connector file does not define.
 * `configured` is undefined when `RECERT_CONNECTORS` is not set where the command runs.
 */
export function unknownPolicyConnectors(
  definition: PolicyDefinition,
  configured: string[] | undefined,
): string[] {
  const revocation = definition.revocation;
  const named =
    revocation.mode === 'automatic'
      ? { field: 'revocation.connector', name: revocation.connector }
      : revocation.mode === 'approval' && revocation.then.mode === 'automatic'
        ? { field: 'revocation.then.connector', name: revocation.then.connector }
        : undefined;
  if (!named) return [];
  if (configured === undefined)
    return [
      `${named.field}: RECERT_CONNECTORS is not set here, so "${named.name}" was not checked; the workers that run revocations need it in their connector file.`,
    ];
  if (configured.includes(named.name)) return [];
  const known = configured.length ? configured.join(', ') : 'none';
  return [
    `${named.field}: no connector named "${named.name}" in RECERT_CONNECTORS (configured: ${known}); removals under this policy fail until it is added.`,
  ];
}
