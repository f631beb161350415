import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULT_IDENTITIES, generateDemoOrganisation } from '../../db/demo/generate.js';
import { seedDemoIfEmpty } from '../../db/demo/seed.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();
const quiet = pino({ level: 'silent' });

describe('seedDemoIfEmpty', () => {
  it('imports the demo once into an empty database', async () => {
    await seedDemoIfEmpty(db.orm, quiet);
    const connection = db.orm.em.getConnection();
    const [identities] = await connection.execute<{ count: string }[]>(
      'select count(*) as count from identity',
    );
    expect(Number(identities?.count)).toBe(DEMO_DEFAULT_IDENTITIES);
    const applications = await connection.execute<{ key: string }[]>(
      'select key from application order by key',
    );
    expect(applications.map((row) => row.key)).toEqual(['aws', 'github', 'okta', 'workday']);
    const [grants] = await connection.execute<{ count: string }[]>(
      `select count(*) as count from "grant" g join application a on a.id = g.application_id where a.key <> 'okta'`,
    );
    expect(Number(grants?.count)).toBe(generateDemoOrganisation().manifest.totalGrants);

    const [runs] = await connection.execute<{ count: string }[]>(
      'select count(*) as count from import_run',
    );
    await seedDemoIfEmpty(db.orm, quiet);
    const [runsAfter] = await connection.execute<{ count: string }[]>(
      'select count(*) as count from import_run',
    );
    expect(runsAfter?.count).toBe(runs?.count);
  });
});
