import { serve } from '../../runtime/serve.js';
import { parseOptions } from '../command.js';

export const description = 'Run the web server until SIGTERM';

const usage = `Usage: recert web

Serves the reviewer and admin pages on RECERT_WEB_HOST:RECERT_WEB_PORT against
TEMPORAL_ADDRESS and DATABASE_URL. Run as many as load needs behind a load balancer;
GET /health answers 200 when PostgreSQL and Temporal answer. On SIGTERM it stops accepting
connections and exits.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseOptions(
    args,
    { help: { type: 'boolean', short: 'h', default: false } },
    usage,
    false,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return serve('web');
}
