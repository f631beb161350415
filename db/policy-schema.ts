import { z } from 'zod';
import type { PolicyDefinition } from '../workflows/policy.js';

// Accepts the short forms of what `ms` parses (Temporal's duration format): 30s, 15m, 4h, 7d, 2w.
const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/;

// Unit words people write, such as "7 days" or "4 Hours", mapped to the short unit.
const DURATION_UNITS: [RegExp, string][] = [
  [/^(milliseconds?|msecs?|ms)$/, 'ms'],
  [/^(seconds?|secs?|s)$/, 's'],
  [/^(minutes?|mins?|m)$/, 'm'],
  [/^(hours?|hrs?|h)$/, 'h'],
  [/^(days?|d)$/, 'd'],
  [/^(weeks?|wks?|w)$/, 'w'],
];

/**
 * Describes an invalid duration with its value, and with its short form when the value is a
 * number and a unit word, such as "7 days" for 7d.
 */
function describeInvalidDuration(value: unknown): string {
  const expected = 'expected a duration such as 30s, 15m, 4h, 7d or 2w';
  let text = '';
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') text = String(value);
  const got = `${expected}, got ${JSON.stringify(value)}`;
  const parts = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!parts) return got;
  const [, amount, word] = parts;
  if (!word) return `${got}; add a unit, such as ${amount}d`;
  const unit = DURATION_UNITS.find(([words]) => words.test(word.toLowerCase()))?.[1];
  return unit ? `${got}; write ${amount}${unit}` : got;
}

const duration = z
  .string({ error: (issue) => describeInvalidDuration(issue.input) })
  .regex(DURATION, { error: (issue) => describeInvalidDuration(issue.input) });
const email = z.email('expected an email address').transform((value) => value.toLowerCase());

const reviewerRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('manager') }),
  z.strictObject({ kind: z.literal('application_owner') }),
  z.strictObject({ kind: z.literal('resource_owner') }),
  z.strictObject({ kind: z.literal('subject') }),
  z.strictObject({
    kind: z.literal('identities'),
    emails: z.array(email).min(1, 'list at least one email'),
  }),
  z.strictObject({
    kind: z.literal('group'),
    application: z.string().min(1),
    group: z.string().min(1),
  }),
]);

const step = z.strictObject({
  name: z.string().min(1, 'give the step a name'),
  reviewer: reviewerRule,
  fallbackReviewerEmails: z.array(email).default([]),
  due: duration,
  remindEvery: duration.optional(),
  escalateToEmails: z.array(email).optional(),
  commentRequired: z
    .strictObject({ certify: z.boolean().default(false), remove: z.boolean().default(false) })
    .default({ certify: false, remove: false }),
  allowSelfReview: z.boolean().default(false),
});

const provisioning = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('automatic'),
    connector: z.string().min(1, 'name a configured connector'),
  }),
  z.strictObject({ mode: z.literal('manual') }),
]);

const revocation = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('automatic'),
    connector: z.string().min(1, 'name a configured connector'),
    remindEvery: duration.optional(),
  }),
  z.strictObject({ mode: z.literal('manual'), remindEvery: duration.optional() }),
  z.strictObject({
    mode: z.literal('approval'),
    approverEmails: z.array(email).min(1, 'list at least one approver'),
    then: provisioning,
    remindEvery: duration.optional(),
  }),
]);

/**
 * Validates a policy file's content; error paths name the field, such as `steps.1.due`. Every
 * object level rejects unknown keys, so a misspelt optional key fails instead of being dropped.
 * Only publishing runs this schema, so stored versions load as they were saved.
 */
export const policyDefinitionSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]*$/,
      'expected lowercase letters, digits and dashes, e.g. "quarterly-sox"',
    ),
  description: z.string().optional(),
  steps: z.array(step).min(1, 'a policy needs at least one step'),
  revocation,
}) satisfies z.ZodType<PolicyDefinition, unknown>;

/**
 * Returns the keys the policy schema allows in the object at `path` of `raw`, following the
 * variant that each `kind` or `mode` selects. Returns an empty list when `path` leads to no
 * object in the schema.
 */
export function allowedPolicyKeys(path: readonly PropertyKey[], raw: unknown): string[] {
  let schema: z.ZodType = policyDefinitionSchema;
  let value = raw;
  for (const key of path) {
    schema = selectVariant(schema, value);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(key)] as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
    value = isRecord(value) ? value[String(key)] : undefined;
  }
  schema = selectVariant(schema, value);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/**
 * Unwraps defaults and optionals, and picks the union variant that the discriminator in `value`
 * names. Returns the union itself when no variant matches.
 */
function selectVariant(schema: z.ZodType, value: unknown): z.ZodType {
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
    schema = schema.unwrap() as z.ZodType;
  }
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return schema;
  const discriminator = schema.def.discriminator;
  const tag = isRecord(value) ? value[discriminator] : undefined;
  const variant = schema.options.find((option) => {
    const literal = option instanceof z.ZodObject ? option.shape[discriminator] : undefined;
    return literal instanceof z.ZodLiteral && (literal.values as Set<unknown>).has(tag);
  });
  return (variant as z.ZodType | undefined) ?? schema;
}

/** Returns whether `value` is a non-null object, arrays included, whose keys can be read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
