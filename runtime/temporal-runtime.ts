import type { LogLevel, LogMetadata } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/**
 * Installs the worker runtime once per process: SDK and workflow logs go to pino, and the SDK
 * does not react to signals itself, because Recert's entry points shut down in their own order.
 */
export function installTemporalRuntime(log: Logger): void {
  if (installed) return;
  installed = true;
  // The SDK's INFO lines (worker state changes, bundling, each activity with its task token)
  // drown Recert's own at the default level, so they are logged at debug.
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const target =
      level === 'TRACE' || level === 'DEBUG'
        ? 'trace'
        : level === 'INFO'
          ? 'debug'
          : (level.toLowerCase() as 'warn' | 'error');
    log[target]({ temporal: meta }, message);
  };
  Runtime.install({
    shutdownSignals: [],
    // Core's own warnings go through the same logger instead of raw lines on stderr.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
    logger: {
      log: forward,
      trace: (message, meta) => forward('TRACE', message, meta),
      debug: (message, meta) => forward('DEBUG', message, meta),
      info: (message, meta) => forward('INFO', message, meta),
      warn: (message, meta) => forward('WARN', message, meta),
      error: (message, meta) => forward('ERROR', message, meta),
    },
  });
}
