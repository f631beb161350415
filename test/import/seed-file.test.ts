import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../../db/demo/seed.js';
import { useTestDatabase } from '../support/database.js';
import { dataFile } from './support.js';

const db = useTestDatabase();

afterEach(() => {
  delete process.env.RECERT_DEMO_FILE;
});

describe('seedDemoIfEmpty with RECERT_DEMO_FILE', () => {
  it('imports the named file instead of the generated demo', async () => {
    process.env.RECERT_DEMO_FILE = dataFile('baton-file/template.json');
    await seedDemoIfEmpty(db.orm, pino({ level: 'silent' }));
    const connection = db.orm.em.getConnection();
    const applications = await connection.execute<{ key: string }[]>('select key from application');
    expect(applications).toEqual([{ key: 'template' }]);
    const [identities] = await connection.execute<{ count: string }[]>(
      'select count(*) as count from identity',
    );
    expect(Number(identities?.count)).toBe(3);
  });
});
