import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import * as entities from './entities/index.js';
import { migrationsList } from './migrations/index.js';

const migrationsPath = fileURLToPath(new URL('./migrations', import.meta.url));

/** MikroORM options for one PostgreSQL URL; tests and the CLI share them. */
export function ormOptions(url: string, overrides: Partial<Options> = {}): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: Object.values(entities),
    extensions: [Migrator],
    // Recert uses timestamptz everywhere and reads them back as UTC instants.
    timezone: 'UTC',
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
    migrations: {
      path: migrationsPath,
      pathTs: migrationsPath,
      migrationsList,
      emit: 'ts',
      // One snapshot name for every database, so `db:migration:create` diffs the committed
      // model and not whichever database it happens to run against.
      snapshotName: '.snapshot',
      // Applying migrations would otherwise rewrite the committed snapshot from whatever
      // database it ran against; only `db:migration:create` turns it on (see there).
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
    ...overrides,
  };
}

/** Connects to PostgreSQL; call `migrate()` before first use on a fresh database. */
export async function createOrm(url: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, overrides));
}

/** Applies every pending migration and returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  // Several workers and web servers may start at once; a session-level advisory lock on one
  // connection makes the others wait, then find nothing left to apply.
  const knex = orm.em.getConnection().getKnex();
  const connection = await knex.client.acquireConnection();
  try {
    await connection.query("select pg_advisory_lock(hashtext('recert:migrations'))");
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await connection
      .query("select pg_advisory_unlock(hashtext('recert:migrations'))")
      .catch(() => undefined);
    await knex.client.releaseConnection(connection);
  }
}
