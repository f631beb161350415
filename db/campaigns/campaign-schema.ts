import { z } from 'zod';
import type { NoResponseRule } from '../../workflows/campaign-messages.js';

export type { NoResponseRule };

/** Rules for tasks still open when the campaign closes. */
export const NO_RESPONSE_RULES = [
  'leave_open',
  'certify',
  'remove',
  'follow_recommendation',
] as const satisfies readonly NoResponseRule[];

export const CAMPAIGN_VIEWS = ['by_application', 'by_user', 'unstructured'] as const;
export type CampaignView = (typeof CAMPAIGN_VIEWS)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

// A date (taken as midnight UTC) or a full ISO 8601 time with an offset.
const instant = z
  .union([z.string(), z.date()], {
    error: (issue) =>
      issue.input === undefined
        ? 'missing; give a date such as 2027-01-31 or a time such as 2027-01-31T17:00:00Z'
        : undefined,
  })
  .transform((value, context) => {
    const text = value instanceof Date ? value.toISOString() : value.trim();
    const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
    if (
      Number.isNaN(date.getTime()) ||
      !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text)
    ) {
      context.addIssue({
        code: 'custom',
        message: `expected a date such as 2027-01-31 or a time such as 2027-01-31T17:00:00Z, got "${text}"`,
      });
      return z.NEVER;
    }
    return date;
  });

const email = z.email('expected an email address').transform((value) => value.toLowerCase());

const names = (what: string) =>
  z.array(z.string().trim().min(1, `expected a non-empty ${what}`)).default([]);

/** Scope of a campaign: the grants it reviews. Empty lists mean all. */
export const campaignScopeSchema = z
  .object({
    applications: names('application key'),
    resourceTypes: names('resource type'),
    riskLevels: z
      .array(z.enum(RISK_LEVELS, { error: 'expected low, medium, high or critical' }))
      .default([]),
    grantKind: z
      .enum(['direct', 'inherited', 'both'], { error: 'expected direct, inherited or both' })
      .default('both'),
    principalType: z
      .enum(['account', 'group', 'both'], { error: 'expected account, group or both' })
      .default('account'),
    includeDisabledAccounts: z.boolean().default(true),
    includeOrphanedAccounts: z.boolean().default(true),
  })
  .strict();

/**
 * A campaign definition as `recert campaign create` reads it from flags or a YAML or JSON
 * file, and as the web form submits it. Error paths name the field, such as `scope.riskLevels.0`.
 */
/** Returns the scope of a campaign that sets no limits: every account grant of every application. */
export function defaultScope(): z.output<typeof campaignScopeSchema> {
  return {
    applications: [],
    resourceTypes: [],
    riskLevels: [],
    grantKind: 'both',
    principalType: 'account',
    includeDisabledAccounts: true,
    includeOrphanedAccounts: true,
  };
}

export const campaignDefinitionSchema = z
  .object({
    name: z.string().trim().min(1, 'give the campaign a name').max(400, 'at most 400 characters'),
    instructions: z.string().max(20_000, 'at most 20,000 characters').default(''),
    defaultView: z
      .enum(CAMPAIGN_VIEWS, { error: 'expected by_application, by_user or unstructured' })
      .default('by_application'),
    /** A published policy's name. */
    policy: z.string().trim().min(1, 'name a published policy'),
    /** A published version; the latest when omitted. */
    policyVersion: z.number().int().positive('expected a version number from 1').optional(),
    /** Email of the identity that owns the campaign. */
    owner: email,
    /** Emails of further campaign administrators. */
    admins: z.array(email).default([]),
    startsAt: instant.optional(),
    dueAt: instant,
    noResponseRule: z
      .enum(NO_RESPONSE_RULES, {
        error: 'expected leave_open, certify, remove or follow_recommendation',
      })
      .default('leave_open'),
    scope: campaignScopeSchema.default(defaultScope),
  })
  .strict()
  .refine((value) => !value.startsAt || value.startsAt < value.dueAt, {
    path: ['dueAt'],
    message: 'must be after startsAt',
  });

export type CampaignDefinitionInput = z.input<typeof campaignDefinitionSchema>;
export type CampaignDefinition = z.output<typeof campaignDefinitionSchema>;

/** Raised when a campaign definition is invalid; `problems` name each field. */
export class CampaignDefinitionError extends Error {
  /** `file` is the campaign file the definition was read from, when there was one. */
  constructor(
    readonly problems: string[],
    file?: string,
  ) {
    super(
      `Invalid campaign${file ? ` from ${file}` : ''}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'CampaignDefinitionError';
  }
}

/** Validates raw campaign content and returns the definition, or throws CampaignDefinitionError. */
export function parseCampaignDefinition(raw: unknown): CampaignDefinition {
  const result = campaignDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new CampaignDefinitionError(
    result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    ),
  );
}
