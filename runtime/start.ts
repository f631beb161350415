// `npm start`: the whole product on embedded defaults. Starts PostgreSQL and the Temporal dev
// server unless DATABASE_URL or TEMPORAL_ADDRESS point elsewhere, migrates, then runs the
// worker and the web server in this process. Ctrl-C or SIGTERM stops everything it started.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadInsightsConfig } from '../activities/insights/config.js';
import { loadNotificationConfig } from '../activities/notifications/config.js';
import { loadDatabaseConfig } from '../db/config.js';
import { listRoleHolders } from '../db/role-repository.js';
import { loadTemporalConfig } from '../temporal.config.js';
import { loadWebConfig } from '../web/config.js';
import { startDevServer } from './dev-server.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { readRunningInstance, removeInstanceFile, writeInstanceFile } from './instance-file.js';
import { ConfigError, loadAllConfig } from './env.js';
import { logger } from './logger.js';
import { assertPortFree, PortInUseError } from './ports.js';
import { loadLocalSecrets } from './secrets.js';
import { runServices } from './services.js';
import { findOrBuildTemporalCli } from './temporal-cli.js';

const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function shutdown(reason: string, exitCode: number) {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, 'stopping');
  // Reverse start order: web and worker first, so in-flight work finishes against a live
  // database and Temporal server, which stop last.
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
      logger.info({ component: name }, 'stopped');
    } catch (error) {
      logger.error({ err: error, component: name }, 'failed to stop cleanly');
    }
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGHUP', () => void shutdown('SIGHUP', 0));

// A parent (npm, a shell, a supervisor) can die without passing a signal on. This process is
// then re-parented, and it stops too, because otherwise PostgreSQL and Temporal keep running.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown('parent process exited', 0);
}, 1_000).unref();

async function main() {
  const [temporalConfig, dbConfig, webConfig] = loadAllConfig([
    () => loadTemporalConfig(),
    () => loadDatabaseConfig(),
    () => loadWebConfig(process.env, { devLogin: true }),
    // Checked here so a bad threshold stops the start instead of failing a later activity.
    () => loadInsightsConfig(),
    () => loadNotificationConfig(),
  ]);
  await mkdir(dbConfig.dataDir, { recursive: true });
  const secrets = await loadLocalSecrets(dbConfig.dataDir);

  // A second start on the same data would find the first one's ports taken, so it stops here
  // with the real cause.
  const running = readRunningInstance(dbConfig.dataDir);
  if (running) {
    throw new PortInUseError(
      `Recert is already running from ${dbConfig.dataDir} (process ${running.pid}). Use that instance, stop it first, or set RECERT_DATA_DIR to another folder to run a second one.`,
    );
  }

  // Check every fixed port before starting anything, so a clash fails fast and cleanly.
  await assertPortFree(webConfig.port, 'RECERT_WEB_PORT', webConfig.host);
  if (!temporalConfig.address) {
    await assertPortFree(temporalConfig.devServerPort, 'TEMPORAL_DEV_PORT');
    await assertPortFree(temporalConfig.devServerUiPort, 'TEMPORAL_DEV_UI_PORT');
  }

  let databaseUrl = dbConfig.url;
  if (!databaseUrl) {
    logger.info(
      { dataDir: join(dbConfig.dataDir, 'postgres'), port: dbConfig.embeddedPort },
      'starting embedded PostgreSQL',
    );
    const postgres = await startEmbeddedPostgres({
      dataDir: join(dbConfig.dataDir, 'postgres'),
      port: dbConfig.embeddedPort,
      password: secrets.postgresPassword,
      log: (line) => logger.debug({ component: 'postgres' }, line),
    });
    stops.push({ name: 'postgres', stop: postgres.stop });
    databaseUrl = postgres.url;
  }

  let temporalAddress = temporalConfig.address;
  let temporalUiUrl = temporalConfig.uiUrl;
  if (!temporalAddress) {
    const binary = await findOrBuildTemporalCli({ log: (line) => logger.info(line) });
    const dbFile = join(dbConfig.dataDir, 'temporal.db');
    logger.info({ binary, dbFile }, 'starting the Temporal dev server');
    const server = await startDevServer({
      binary,
      port: temporalConfig.devServerPort,
      uiPort: temporalConfig.devServerUiPort,
      dbFile,
      namespace: temporalConfig.namespace,
      log: (line) => logger.debug({ component: 'temporal' }, line),
    });
    stops.push({ name: 'temporal', stop: server.stop });
    temporalAddress = server.address;
    temporalUiUrl ??= server.uiUrl;
  }

  const services = await runServices({
    databaseUrl,
    temporalAddress,
    temporalConfig,
    temporalUiUrl,
    webConfig: { ...webConfig, sessionSecret: webConfig.sessionSecret ?? secrets.sessionSecret },
    runWorker: true,
    runWeb: true,
    poolMax: dbConfig.poolMax,
    seedDemo: true,
    log: logger,
  });
  stops.push({ name: 'services', stop: services.stop });
  // CLI commands read this file to reach the same database, Temporal server and roles.
  await writeInstanceFile(dbConfig.dataDir, {
    RECERT_EMBEDDED_PG_PORT: String(dbConfig.embeddedPort),
    TEMPORAL_DEV_PORT: String(temporalConfig.devServerPort),
  });
  stops.push({ name: 'instance file', stop: () => removeInstanceFile(dbConfig.dataDir) });
  const superAdmins = (await listRoleHolders(services.orm.em.fork()))
    .filter((holder) => holder.role === 'super_admin' && holder.email)
    .map((holder) => holder.email);
  // A configured email that matches no identity yet gives no rights until it is imported.
  const unmatched = webConfig.superAdminEmails.filter(
    (email) => !superAdmins.some((found) => found?.toLowerCase() === email),
  );

  const lines = [
    '',
    'Recert is running.',
    `  Web:          ${webConfig.publicUrl}`,
    `  Temporal UI:  ${temporalUiUrl ?? '(set TEMPORAL_UI_URL to show a link)'}`,
    `  Temporal:     ${temporalAddress} (for the temporal CLI: --address ${temporalAddress})`,
    `  Data:         ${dbConfig.url ? 'DATABASE_URL' : join(dbConfig.dataDir, 'postgres')}${temporalConfig.address ? '' : `, ${join(dbConfig.dataDir, 'temporal.db')}`}`,
    webConfig.devLogin
      ? `  Sign in:      open ${webConfig.publicUrl}/login and pick any identity (development sign-in; set RECERT_DEV_LOGIN=false to turn it off)`
      : `  Sign in:      open ${webConfig.publicUrl}/login and ask for an email link`,
    superAdmins.length
      ? `  Super admins: ${superAdmins.join(', ')} (campaign pages and repair actions)`
      : '  Super admins: none; set RECERT_SUPER_ADMINS to emails before launching a campaign',
    ...(unmatched.length
      ? [
          `  Not yet:      ${unmatched.join(', ')} from RECERT_SUPER_ADMINS match no identity; they become super admins once an import adds them`,
        ]
      : []),
    '  Stop:         Ctrl-C',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PortInUseError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.error({ err: error }, 'start-up failed');
  }
  void shutdown('start-up failed', 1);
});
