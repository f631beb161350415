import { z } from 'zod';
import { booleanFlag, ConfigError, parseEnv, port } from './runtime/env.js';
import { searchAttributes } from './workflows/search-attributes.js';

export { searchAttributes } from './workflows/search-attributes.js';

/** The type names the `temporal` CLI uses for each search attribute type. */
export const cliTypeName = { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime' } as const;

/** The `--search-attribute Name=Type` arguments that register the attributes on a dev server. */
export function devServerSearchAttributeArgs(): string[] {
  return Object.values(searchAttributes).flatMap((a) => [
    '--search-attribute',
    `${a.name}=${cliTypeName[a.type]}`,
  ]);
}

const schema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s/:]+:\d+$/, 'expected host:port, for example 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('recert'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: booleanFlag(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_UI_URL: z.url('expected an http(s) URL').optional(),
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_DEV_UI_PORT: port(8233),
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce
    .number({ error: 'expected a number of workflows' })
    .int()
    .min(0)
    .default(1000),
});

export type TemporalConfig = ReturnType<typeof loadTemporalConfig>;

/**
 * Reads the Temporal settings from the environment. Without `TEMPORAL_ADDRESS`, `npm start`
 * runs a local dev server on `TEMPORAL_DEV_PORT` and the UI on `TEMPORAL_DEV_UI_PORT`.
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(schema, env);
  const certAndKey = [parsed.TEMPORAL_TLS_CERT_PATH, parsed.TEMPORAL_TLS_KEY_PATH];
  if (certAndKey.filter(Boolean).length === 1) {
    throw new ConfigError([
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both for mutual TLS, or neither',
    ]);
  }
  const tls =
    parsed.TEMPORAL_TLS || parsed.TEMPORAL_API_KEY || parsed.TEMPORAL_TLS_CERT_PATH
      ? {
          certPath: parsed.TEMPORAL_TLS_CERT_PATH,
          keyPath: parsed.TEMPORAL_TLS_KEY_PATH,
          caPath: parsed.TEMPORAL_TLS_CA_PATH,
          serverName: parsed.TEMPORAL_TLS_SERVER_NAME,
        }
      : undefined;
  return {
    /** Address of an existing server, or undefined when Recert runs its own dev server. */
    address: parsed.TEMPORAL_ADDRESS,
    namespace: parsed.TEMPORAL_NAMESPACE,
    taskQueue: parsed.TEMPORAL_TASK_QUEUE,
    apiKey: parsed.TEMPORAL_API_KEY,
    tls,
    uiUrl: parsed.TEMPORAL_UI_URL,
    devServerPort: parsed.TEMPORAL_DEV_PORT,
    devServerUiPort: parsed.TEMPORAL_DEV_UI_PORT,
    maxCachedWorkflows: parsed.TEMPORAL_MAX_CACHED_WORKFLOWS,
  };
}
