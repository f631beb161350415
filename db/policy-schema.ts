import { z } from 'zod';
import type { PolicyDefinition } from '../workflows/policy.js';

// Accepts what `ms` parses (Temporal's duration format): 30s, 15m, 4h, 7d, 2w.
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/, 'expected a duration such as 30s, 15m, 4h, 7d or 2w');
const email = z.email('expected an email address').transform((value) => value.toLowerCase());

const reviewerRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manager') }),
  z.object({ kind: z.literal('application_owner') }),
  z.object({ kind: z.literal('resource_owner') }),
  z.object({ kind: z.literal('subject') }),
  z.object({
    kind: z.literal('identities'),
    emails: z.array(email).min(1, 'list at least one email'),
  }),
  z.object({ kind: z.literal('group'), application: z.string().min(1), group: z.string().min(1) }),
]);

const step = z.object({
  name: z.string().min(1, 'give the step a name'),
  reviewer: reviewerRule,
  fallbackReviewerEmails: z.array(email).default([]),
  due: duration,
  remindEvery: duration.optional(),
  escalateToEmails: z.array(email).optional(),
  commentRequired: z
    .object({ certify: z.boolean().default(false), remove: z.boolean().default(false) })
    .default({ certify: false, remove: false }),
  allowSelfReview: z.boolean().default(false),
});

const provisioning = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('automatic'),
    connector: z.string().min(1, 'name a configured connector'),
  }),
  z.object({ mode: z.literal('manual') }),
]);

const revocation = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('automatic'),
    connector: z.string().min(1, 'name a configured connector'),
    remindEvery: duration.optional(),
  }),
  z.object({ mode: z.literal('manual'), remindEvery: duration.optional() }),
  z.object({
    mode: z.literal('approval'),
    approverEmails: z.array(email).min(1, 'list at least one approver'),
    then: provisioning,
    remindEvery: duration.optional(),
  }),
]);

/** Validates a policy file's content; error paths name the field, such as `steps.1.due`. */
export const policyDefinitionSchema = z.object({
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
