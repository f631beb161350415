import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv, port, wholeNumber } from '../runtime/env.js';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  RECERT_DATA_DIR: z.string().default('.data'),
  RECERT_EMBEDDED_PG_PORT: port(54329).refine((value) => value !== 5432, {
    message: '5432 is the system PostgreSQL port; pick another for the embedded server',
  }),
  RECERT_DB_POOL_MAX: wholeNumber(10, 1, 200),
});

/** Database settings. Without `DATABASE_URL`, `npm start` runs embedded PostgreSQL. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(schema, env);
  return {
    url: parsed.DATABASE_URL,
    dataDir: resolve(parsed.RECERT_DATA_DIR),
    embeddedPort: parsed.RECERT_EMBEDDED_PG_PORT,
    poolMax: parsed.RECERT_DB_POOL_MAX,
  };
}

export type DatabaseConfig = ReturnType<typeof loadDatabaseConfig>;
