import { serve } from '../../runtime/serve.js';
import { parseOptions, UsageError } from '../command.js';

export const description = 'Run a worker (workflows and activities) until SIGTERM';

const usage = `Usage: recert worker [--health-port PORT]

Runs review task workflows and activities on TEMPORAL_TASK_QUEUE against TEMPORAL_ADDRESS and
DATABASE_URL. Run as many as load needs. On SIGTERM it stops polling and lets in-flight
activities finish before it exits. With --health-port (or RECERT_WORKER_HEALTH_PORT), GET
/health on 127.0.0.1:PORT answers 200 while the worker runs and 503 while it drains.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseOptions(
    args,
    { 'health-port': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    usage,
    false,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = values['health-port'] ?? process.env.RECERT_WORKER_HEALTH_PORT;
  const healthPort = port === undefined || port === '' ? undefined : Number(port);
  if (
    healthPort !== undefined &&
    (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535)
  ) {
    throw new UsageError(
      `--health-port (or RECERT_WORKER_HEALTH_PORT) must be a port number, got "${port}".`,
    );
  }
  return serve('worker', { healthPort });
}
