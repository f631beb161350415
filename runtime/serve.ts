// Long-running entry points for production: `recert worker` and `recert web` run one role
// each against DATABASE_URL and TEMPORAL_ADDRESS, so several of each can share one cluster.
import type { Server } from 'node:http';
import { loadInsightsConfig } from '../activities/insights/config.js';
import { loadNotificationConfig } from '../activities/notifications/config.js';
import { loadDatabaseConfig } from '../db/config.js';
import { loadTemporalConfig } from '../temporal.config.js';
import { loadWebConfig } from '../web/config.js';
import { loadAllConfig } from './env.js';
import { logger } from './logger.js';
import { loadLocalSecrets } from './secrets.js';
import { runServices } from './services.js';
import { serveWorkerHealth } from './worker-health.js';

/**
 * Runs the worker or the web server until SIGTERM or SIGINT, then shuts down gracefully:
 * the web server stops accepting requests, the worker stops polling and lets in-flight
 * activities finish (up to its shutdown grace time), and connections close.
 */
export async function serve(
  role: 'worker' | 'web',
  options: { healthPort?: number } = {},
): Promise<number> {
  const [temporalConfig, dbConfig, webConfig] = loadAllConfig([
    () => loadTemporalConfig(),
    () => loadDatabaseConfig(),
    () => loadWebConfig(),
    // Checked here so a bad threshold stops the start instead of failing a later activity.
    () => loadInsightsConfig(),
    () => loadNotificationConfig(),
  ]);
  let databaseUrl = dbConfig.url;
  let sessionSecret = webConfig.sessionSecret;
  if (!databaseUrl || (role === 'web' && !sessionSecret)) {
    // Without configuration, join the embedded PostgreSQL that `npm start` runs on this machine.
    const secrets = await loadLocalSecrets(dbConfig.dataDir);
    databaseUrl ??= `postgresql://recert:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${dbConfig.embeddedPort}/recert`;
    sessionSecret ??= secrets.sessionSecret;
  }
  const temporalAddress = temporalConfig.address ?? `127.0.0.1:${temporalConfig.devServerPort}`;

  const services = await runServices({
    databaseUrl,
    temporalAddress,
    temporalConfig,
    temporalUiUrl: temporalConfig.uiUrl,
    webConfig: { ...webConfig, sessionSecret },
    runWorker: role === 'worker',
    poolMax: dbConfig.poolMax,
    runWeb: role === 'web',
    seedDemo: false,
    log: logger,
  });
  let health: Server | undefined;
  if (role === 'worker' && options.healthPort !== undefined && services.worker) {
    health = await serveWorkerHealth(services.worker, options.healthPort);
    logger.info({ port: options.healthPort }, 'worker health endpoint listening on /health');
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal, role }, 'shutting down gracefully');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // The health endpoint keeps returning 503 while the worker drains.
  await services.stop();
  await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  logger.info({ role }, 'stopped');
  return 0;
}
