import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeUnknownKey } from '../../db/closest-match.js';
import { ConfigError } from '../../runtime/env.js';
import { assertAllowed } from './safe-fetch.js';
import { createScimConnector } from './scim.js';
import { createWebhookConnector } from './webhook.js';
import { PermanentConnectorError, type Connector } from './types.js';

// Strict objects: a misspelt or unsupported key (a retry setting, say) is an error at start
// rather than a setting that silently does nothing.
const connectorSchemas = {
  scim: z.strictObject({
    type: z.literal('scim'),
    baseUrl: z.url(),
    tokenEnv: z.string().min(1),
  }),
  webhook: z.strictObject({
    type: z.literal('webhook'),
    url: z.url(),
    secretEnv: z.string().min(1),
  }),
};
const fileSchema = z.strictObject({
  /** Hosts connectors may call; nothing else is reachable. */
  allowlist: z.array(z.string().min(1)).default([]),
  connectors: z
    .record(
      z.string(),
      z.discriminatedUnion('type', [connectorSchemas.scim, connectorSchemas.webhook], {
        error: 'expected "type: scim" or "type: webhook"',
      }),
    )
    .default({}),
});

/** Describes one schema problem, naming the closest allowed key for an unknown key. */
function describeIssue(issue: z.core.$ZodIssue, document: unknown): string[] {
  if (issue.code !== 'unrecognized_keys') return [`${issue.path.join('.')}: ${issue.message}`];
  let allowed: string[] = Object.keys(fileSchema.shape);
  if (issue.path.length === 2) {
    const entry = (document as { connectors?: Record<string, { type?: unknown }> }).connectors?.[
      String(issue.path[1])
    ];
    const schema = connectorSchemas[String(entry?.type) as keyof typeof connectorSchemas];
    allowed = schema ? Object.keys(schema.shape) : [];
  }
  return issue.keys.map(
    (key) => `${[...issue.path, key].join('.')}: ${describeUnknownKey(key, allowed)}`,
  );
}

/**
 * Error for a connector file that cannot be read or is invalid. Its message names the file, and
 * as a ConfigError it is printed without a stack wherever invalid settings are.
 */
export class ConnectorConfigError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.name = 'ConnectorConfigError';
    this.message = `Invalid connector configuration:\n${problems.join('\n')}`;
  }
}

/** Connectors by name, as revocation policies refer to them. */
export class ConnectorRegistry {
  constructor(private readonly connectors: Map<string, Connector>) {}

  static empty(): ConnectorRegistry {
    return new ConnectorRegistry(new Map());
  }

  static of(...connectors: Connector[]): ConnectorRegistry {
    return new ConnectorRegistry(new Map(connectors.map((c) => [c.name, c])));
  }

  get(name: string): Connector {
    const connector = this.connectors.get(name);
    if (!connector) {
      throw new PermanentConnectorError(
        `No connector named "${name}" is configured; add it to the file named by RECERT_CONNECTORS.`,
      );
    }
    return connector;
  }

  names(): string[] {
    return [...this.connectors.keys()];
  }
}

/** Reads and validates the connector file, naming the file and field of each problem. */
async function readConnectorFile(file: string): Promise<z.infer<typeof fileSchema>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConnectorConfigError([
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check the path in RECERT_CONNECTORS.`,
    ]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConnectorConfigError([
      `${file}: invalid YAML or JSON: ${(error as Error).message.split('\n')[0]} Fix the syntax there.`,
    ]);
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) =>
      describeIssue(issue, document).map((problem) => `${file}: ${problem}`),
    );
    throw new ConnectorConfigError(problems);
  }
  // Targets outside the allowlist would fail every removal, so they fail the start instead.
  const outside: string[] = [];
  for (const [name, spec] of Object.entries(parsed.data.connectors)) {
    const field = spec.type === 'scim' ? 'baseUrl' : 'url';
    try {
      assertAllowed(new URL(spec.type === 'scim' ? spec.baseUrl : spec.url), parsed.data.allowlist);
    } catch (error) {
      outside.push(`${file}: connectors.${name}.${field}: ${(error as Error).message}`);
    }
  }
  if (outside.length > 0) throw new ConnectorConfigError(outside);
  return parsed.data;
}

/**
 * Returns the connector names in the file named by `RECERT_CONNECTORS`, without reading their
 * secrets, or undefined when the variable is not set. Used to check policies before publishing.
 */
export async function configuredConnectorNames(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[] | undefined> {
  const file = env.RECERT_CONNECTORS;
  return file ? Object.keys((await readConnectorFile(file)).connectors) : undefined;
}

/**
 * Loads connectors from the YAML or JSON file named by `RECERT_CONNECTORS`. Targets come only
 * from this administrator-owned file, and secrets only from the environment variables it names.
 */
export async function loadConnectorRegistry(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectorRegistry> {
  const file = env.RECERT_CONNECTORS;
  if (!file) return ConnectorRegistry.empty();
  const config = await readConnectorFile(file);
  const connectors: Connector[] = [];
  for (const [name, spec] of Object.entries(config.connectors)) {
    const secretName = spec.type === 'scim' ? spec.tokenEnv : spec.secretEnv;
    const secret = env[secretName];
    if (!secret)
      throw new ConnectorConfigError([
        `${file}: connectors.${name}: environment variable ${secretName} is not set. Set it to the connector's secret.`,
      ]);
    connectors.push(
      spec.type === 'scim'
        ? createScimConnector({
            name,
            baseUrl: spec.baseUrl,
            token: secret,
            allowlist: config.allowlist,
          })
        : createWebhookConnector({ name, url: spec.url, secret, allowlist: config.allowlist }),
    );
  }
  return ConnectorRegistry.of(...connectors);
}
