import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';

/** What activities need; the worker builds it once and passes it to `createActivities()`. */
export interface ActivityDeps {
  orm: MikroORM;
  log: Logger;
}

/**
 * Builds every activity with its dependencies. Each activity forks its own entity manager
 * and is idempotent under retry, keyed by a business id.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Returns the database server's clock; used by the smoke test to prove activities run. */
    async databaseTime(): Promise<string> {
      const em = deps.orm.em.fork();
      const [row] = await em.getConnection().execute<{ now: Date }[]>('select now() as now');
      return new Date(row!.now).toISOString();
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
