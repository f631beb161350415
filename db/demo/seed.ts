import { delimiter } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { importBytes, importFile } from '../import/index.js';
import { DEMO_DIRECTORY_APPLICATION, generateDemoOrganisation } from './generate.js';

/** Source of the first start's data: none, the `RECERT_DEMO_FILE` files or the generated demo. */
export type DemoSeed = 'skipped' | 'files' | 'generated';

/**
 * Imports the demo organisation on first start, when the database has no identities:
 * the files named by `RECERT_DEMO_FILE` (several separated by the platform's path
 * delimiter, `:` on Linux), or else a generated organisation of 300 people whose logins
 * and leaving dates are relative to today.
 */
export async function seedDemoIfEmpty(orm: MikroORM, log: Logger): Promise<DemoSeed> {
  const em = orm.em.fork();
  const [row] = await em
    .getConnection()
    .execute<{ count: string }[]>('select count(*) as count from identity');
  if (Number(row?.count ?? 0) > 0) return 'skipped';

  const files = process.env.RECERT_DEMO_FILE?.split(delimiter).filter(Boolean) ?? [];
  if (files.length > 0) {
    for (const file of files) {
      log.info({ file }, 'importing the demo file named by RECERT_DEMO_FILE');
      await importFile(orm, file, { actor: 'system', log });
    }
    return 'files';
  }

  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const demo = generateDemoOrganisation({ asOf: today });
  log.info(
    { identities: demo.manifest.identities, grants: demo.manifest.totalGrants },
    'importing the generated demo organisation',
  );
  // The directory goes first, so the grants file's accounts find their identities by email.
  await importBytes(orm, Buffer.from(demo.directory), 'demo-organisation.scim.json', {
    application: DEMO_DIRECTORY_APPLICATION,
    actor: 'system',
    sourceFile: 'generated demo organisation (directory)',
    log,
  });
  await importBytes(orm, Buffer.from(demo.grantsCsv), 'demo-organisation.grants.csv', {
    actor: 'system',
    sourceFile: 'generated demo organisation (grants)',
    log,
  });
  return 'generated';
}
