import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createOrm, migrate } from '../../db/orm.js';

/** A migrated database that belongs to one test file. */
export interface TestDatabase {
  url: string;
  orm: MikroORM;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates a fresh database; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase & { drop(): Promise<void> }> {
  const name = `recert_t_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(inject('adminDatabaseUrl'));
  url.pathname = `/${name}`;
  const orm = await createOrm(url.toString());
  await migrate(orm);
  return {
    url: url.toString(),
    orm,
    async drop() {
      await orm.close(true);
      await admin((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/**
 * Gives the calling test file its own migrated database for all its tests and drops it
 * afterwards. Read the returned object's fields inside tests, not at import time.
 */
export function useTestDatabase(): TestDatabase {
  const holder = {} as TestDatabase & { drop?: () => Promise<void> };
  beforeAll(async () => {
    Object.assign(holder, await createTestDatabase());
  });
  afterAll(async () => {
    await holder.drop?.();
  });
  return holder;
}
