import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';

/** Imports the demo organisation on first start, when the database holds no identities. */
export async function seedDemoIfEmpty(orm: MikroORM, log: Logger): Promise<void> {
  const em = orm.em.fork();
  const [row] = await em
    .getConnection()
    .execute<{ count: string }[]>('select count(*) as count from identity');
  if (Number(row?.count ?? 0) > 0) return;
  // TODO(demo): generate and import the demo organisation here.
  log.warn('the database is empty and the demo organisation generator is not built yet');
}
