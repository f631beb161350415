import { z } from 'zod';

/** Raised at start-up when one or more environment variables are invalid. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are variable names.
 * Every invalid variable is reported at once, by name, with its value and what it expects.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable counts as unset, so `FOO= npm start` falls back to the default.
    input[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(unknown)');
    const secret = /KEY|TOKEN|SECRET|PASSWORD/.test(name);
    const shown =
      input[name] === undefined ? 'unset' : secret ? '(hidden)' : JSON.stringify(input[name]);
    return `${name}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** A boolean variable written as true/false, 1/0, yes/no or on/off. */
export const booleanFlag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'expected true or false (also 1/0, yes/no, on/off)',
    })
    .optional()
    .transform((value) =>
      value === undefined ? defaultValue : ['true', '1', 'yes', 'on'].includes(value),
    );

/** Builds a setting for a whole number between `min` and `max`. */
export const wholeNumber = (defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
  const range =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number of at least ${min}`
      : `a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: `expected ${range}` })
    .int(`expected ${range}`)
    .min(min, `expected ${range}`)
    .max(max, `expected ${range}`)
    .default(defaultValue);
};

/** A TCP port number. */
export const port = (defaultValue: number) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole number')
    .min(1, 'expected a port between 1 and 65535')
    .max(65535, 'expected a port between 1 and 65535')
    .default(defaultValue);

/**
 * Runs several config loaders and reports the problems of all of them together, so one run
 * shows every invalid variable instead of only the first.
 */
export function loadAllConfig<const T extends readonly (() => unknown)[]>(
  loaders: T,
): { -readonly [K in keyof T]: T[K] extends () => infer R ? R : never } {
  const problems: string[] = [];
  const results = loaders.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length) throw new ConfigError(problems);
  return results as { -readonly [K in keyof T]: T[K] extends () => infer R ? R : never };
}
