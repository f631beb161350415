import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../runtime/dev-server.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../runtime/embedded-postgres.js';
import { findFreePort } from '../runtime/ports.js';
import { findOrBuildTemporalCli } from '../runtime/temporal-cli.js';
import { workflowsPath } from '../runtime/worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
    workflowBundlePath: string;
    adminDatabaseUrl: string;
  }
}

const LOCAL_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts one Temporal dev server and finds one PostgreSQL for the whole run, and bundles the
 * workflow code once. Test files share them and keep apart by task queue, workflow id and
 * database.
 */
export default async function setup(project: TestProject) {
  const scratch = await mkdtemp(join(tmpdir(), 'recert-test-'));
  // Embedded PostgreSQL runs as the postgres user when tests run as root; it must reach here.
  await chmod(scratch, 0o755);
  const cleanups: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];

  const temporalCliPath = await findOrBuildTemporalCli();
  let server: DevServer | undefined;
  let embedded: EmbeddedPostgres | undefined;
  try {
    server = await startDevServer({ binary: temporalCliPath, port: await findFreePort() });
    cleanups.unshift(() => server!.stop());

    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    const workflowBundlePath = join(scratch, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, bundle.code);

    let adminDatabaseUrl = process.env.DATABASE_URL;
    if (!adminDatabaseUrl && (await reachable(LOCAL_POSTGRES))) adminDatabaseUrl = LOCAL_POSTGRES;
    if (!adminDatabaseUrl) {
      embedded = await startEmbeddedPostgres({
        dataDir: join(scratch, 'postgres'),
        port: await findFreePort(),
        password: 'recert-test',
      });
      cleanups.unshift(() => embedded!.stop());
      adminDatabaseUrl = embedded.adminUrl;
    }

    project.provide('temporalAddress', server.address);
    project.provide('temporalCliPath', temporalCliPath);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('adminDatabaseUrl', adminDatabaseUrl);
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }

  return async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  };
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => undefined,
};
