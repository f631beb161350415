import { join, resolve } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { loadDatabaseConfig } from '../db/config.js';
import { createOrm, migrate } from '../db/orm.js';
import { runningOwner, startEmbeddedPostgres } from '../runtime/embedded-postgres.js';
import { logger } from '../runtime/logger.js';
import { loadLocalSecrets } from '../runtime/secrets.js';
import { connectClient } from '../runtime/temporal-connection.js';
import { loadTemporalConfig } from '../temporal.config.js';
import { UnavailableError } from './command.js';

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `fn` with a migrated ORM. Uses `DATABASE_URL` when set; otherwise the embedded
 * PostgreSQL of `npm start`, starting it for the duration of the command when it is not running.
 */
export async function withDatabase<T>(fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const config = loadDatabaseConfig();
  let url = config.url;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const secrets = await loadLocalSecrets(config.dataDir);
    const urlAt = (port: number) =>
      `postgresql://recert:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${port}/recert`;
    // A server another command started may run on another port, which its owner file names.
    const running = await runningOwner(join(config.dataDir, 'postgres'));
    for (const port of [config.embeddedPort, ...(running ? [running.port] : [])]) {
      if (await accepts(urlAt(port))) {
        url = urlAt(port);
        break;
      }
    }
    if (!url) {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(config.dataDir, 'postgres'),
        port: config.embeddedPort,
        password: secrets.postgresPassword,
      });
      url = postgres.url;
      stopEmbedded = postgres.stop;
    }
  }
  const orm = await createOrm(url, { pool: { min: 0, max: config.poolMax } });
  try {
    await migrate(orm);
    return await fn(orm);
  } finally {
    await orm.close();
    await stopEmbedded?.();
  }
}

/**
 * Runs `fn` with a Temporal client: `TEMPORAL_ADDRESS`, or the dev server of `npm start`.
 */
export async function withTemporal<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const config = loadTemporalConfig();
  const address = config.address ?? `127.0.0.1:${config.devServerPort}`;
  let client: Client;
  try {
    client = await connectClient(config, address);
    await client.connection.workflowService.getSystemInfo({});
  } catch (error) {
    throw new UnavailableError(
      `Cannot reach Temporal at ${address} (${(error as Error).message}). Start Recert with npm start, or set TEMPORAL_ADDRESS (or TEMPORAL_DEV_PORT when npm start uses another port).`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/**
 * Resolves a path the user typed against the folder they typed it in. `npm run` starts the
 * CLI in the repository root and passes the user's folder as INIT_CWD.
 */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

export { logger };
