import { describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../db/config.js';

describe('environment settings', () => {
  it('names the expected range of a number', () => {
    expect(() => loadDatabaseConfig({ RECERT_DB_POOL_MAX: 'abc' })).toThrow(
      'RECERT_DB_POOL_MAX="abc": expected a whole number from 1 to 200',
    );
    expect(() => loadDatabaseConfig({ RECERT_DB_POOL_MAX: '500' })).toThrow(
      'expected a whole number from 1 to 200',
    );
  });

  it('accepts a number in range', () => {
    expect(loadDatabaseConfig({ RECERT_DB_POOL_MAX: '20' }).poolMax).toBe(20);
  });
});
