import { z } from 'zod';
import type { NoResponseRule } from '../../workflows/campaign-messages.js';
import { describeUnknownKey } from '../closest-match.js';
import { isRecord } from '../policy-schema.js';

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

const name = (noun: string) => z.string().trim().min(1, `expected a non-empty ${noun}`);
const names = (noun: string) => z.array(name(noun)).default([]);

/** Scope of a campaign: the grants it reviews. Empty lists mean all. */
export const campaignScopeSchema = z
  .object({
    applications: names('application key'),
    resourceTypes: names('resource type'),
    // Risk levels read case-insensitively, so "High" from a spreadsheet is accepted.
    riskLevels: z
      .array(
        z.preprocess(
          (value) => (typeof value === 'string' ? value.toLowerCase() : value),
          z.enum(RISK_LEVELS, {
            error: (issue) =>
              `expected low, medium, high or critical, got ${JSON.stringify(issue.input)}`,
          }),
        ),
      )
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
        error: (issue) =>
          `expected leave_open, certify, remove or follow_recommendation, got ${JSON.stringify(issue.input)}`,
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

/** One problem with a campaign definition, at the path of the field it concerns. */
export interface CampaignProblem {
  path: readonly PropertyKey[];
  message: string;
}

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

  /** Builds the error from problems in any order, listing them in the order of the fields. */
  static from(problems: CampaignProblem[], file?: string): CampaignDefinitionError {
    const lines = [...problems]
      .sort((a, b) => comparePaths(a.path, b.path))
      .map((problem) => `${problem.path.join('.') || '(top level)'}: ${problem.message}`);
    return new CampaignDefinitionError(lines, file);
  }
}

// Problems are listed in this order of fields, which is the order of the documented file format.
const FIELD_ORDER: readonly string[] = [
  ...Object.keys(campaignDefinitionSchema.shape),
  ...Object.keys(campaignScopeSchema.shape),
];

/** Orders paths by field order, list indices by number, and unknown keys after known ones. */
function comparePaths(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const rank = (key: PropertyKey) =>
      typeof key === 'number' ? key : FIELD_ORDER.indexOf(String(key)) + 1 || Infinity;
    const difference = rank(a[i]!) - rank(b[i]!);
    if (difference !== 0 && !Number.isNaN(difference)) return difference;
  }
  return a.length - b.length;
}

const EXPECTED_TYPES: Record<string, string> = {
  array: 'a list',
  boolean: 'true or false',
  number: 'a number',
  object: 'a mapping of keys to values',
  string: 'text',
};

/**
 * Rewrites Zod's issues as problems: a missing field, the type expected with the value given,
 * and each unknown key on its own line with the closest allowed key.
 */
function describeIssues(issues: z.core.$ZodIssue[]): CampaignProblem[] {
  return issues.flatMap((issue): CampaignProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = Object.keys(
        issue.path.length === 0 ? campaignDefinitionSchema.shape : campaignScopeSchema.shape,
      );
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: describeUnknownKey(key, allowed),
      }));
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      const message = issue.message.startsWith('missing')
        ? issue.message
        : 'missing; add this field';
      return [{ path: issue.path, message }];
    }
    if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
      const expected = EXPECTED_TYPES[issue.expected] ?? issue.expected;
      return [
        { path: issue.path, message: `expected ${expected}, got ${JSON.stringify(issue.input)}` },
      ];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/**
 * Validates raw campaign content and returns the definition, or the problems with their
 * paths, such as `scope.riskLevels.0`.
 */
export function checkCampaignDefinition(
  raw: unknown,
):
  | { definition: CampaignDefinition; problems: [] }
  | { definition?: undefined; problems: CampaignProblem[] } {
  const result = campaignDefinitionSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { definition: result.data, problems: [] };
  return { problems: describeIssues(result.error.issues) };
}

/** Validates raw campaign content and returns the definition, or throws CampaignDefinitionError. */
export function parseCampaignDefinition(raw: unknown): CampaignDefinition {
  const result = checkCampaignDefinition(raw);
  if (result.definition) return result.definition;
  throw CampaignDefinitionError.from(result.problems);
}

/**
 * The fields of a campaign definition that name stored data, each checked against the schema
 * on its own, so that an invalid definition can still be checked against the database. A
 * field the schema rejects is undefined.
 */
export interface CampaignReferences {
  policy?: string;
  policyVersion?: number;
  owner?: string;
  /** Admin emails in the order given, so that list indices match the definition. */
  admins: (string | undefined)[];
  dueAt?: Date;
  /** Application keys of the scope in the order given. */
  applications: (string | undefined)[];
}

/** Returns the references of a valid definition. */
export function campaignReferences(definition: CampaignDefinition): CampaignReferences {
  return {
    policy: definition.policy,
    policyVersion: definition.policyVersion,
    owner: definition.owner,
    admins: definition.admins,
    dueAt: definition.dueAt,
    applications: definition.scope.applications,
  };
}

/** Reads the references from raw campaign content, leaving out each value the schema rejects. */
export function readCampaignReferences(raw: unknown): CampaignReferences {
  const record = isRecord(raw) ? raw : {};
  const scope = isRecord(record.scope) ? record.scope : {};
  const shape = campaignDefinitionSchema.shape;
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const result = schema.safeParse(value);
    return result.success ? result.data : undefined;
  };
  const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []);
  return {
    policy: parse(shape.policy, record.policy),
    policyVersion: parse(shape.policyVersion, record.policyVersion),
    owner: parse(email, record.owner),
    admins: list(record.admins).map((value) => parse(email, value)),
    dueAt: parse(instant, record.dueAt),
    applications: list(scope.applications).map((value) => parse(name('application key'), value)),
  };
}
