import pino, { type Logger } from 'pino';

/**
 * The process-wide structured logger. Pretty output on a terminal, JSON lines otherwise, so
 * log collectors get one object per line. `LOG_LEVEL` sets the level (default info).
 */
export function createLogger(name = 'recert'): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'warn' : 'info');
  if (process.stdout.isTTY && !process.env.VITEST) {
    return pino({
      name,
      level,
      transport: {
        target: 'pino-pretty',
        options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' },
      },
    });
  }
  return pino({ name, level });
}

export const logger = createLogger();
export type { Logger };
