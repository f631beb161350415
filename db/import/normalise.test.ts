import { describe, expect, it } from 'vitest';
import { identityKeyFor, parseDate, toApplicationKey, UniqueRows } from './normalise.js';
import type { BadRow } from './types.js';

describe('parseDate', () => {
  it.each([
    ['2025-04-01', '2025-04-01T00:00:00.000Z'],
    ['2025-04-01T09:30:00Z', '2025-04-01T09:30:00.000Z'],
    ['2025-04-01T09:30:00+02:00', '2025-04-01T07:30:00.000Z'],
    ['2025-04-01 09:30:00', '2025-04-01T09:30:00.000Z'],
    ['04/01/2025', '2025-04-01T00:00:00.000Z'],
    ['4/1/2025 13:05', '2025-04-01T13:05:00.000Z'],
    ['1743500000', '2025-04-01T09:33:20.000Z'],
    ['1743500000000', '2025-04-01T09:33:20.000Z'],
    ['Tue, 01 Apr 2025 09:30:00 GMT', '2025-04-01T09:30:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', '13/01/2025', '02/30/2025', '2025-13-01', ''])('rejects %j', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });
});

describe('toApplicationKey', () => {
  it('makes URL-safe keys', () => {
    expect(toApplicationKey('  GitHub Enterprise (EU) ')).toBe('github-enterprise-eu');
    expect(toApplicationKey('Café Système')).toBe('cafe-systeme');
  });
});

describe('identityKeyFor', () => {
  it('prefers the folded email, then the login', () => {
    expect(identityKeyFor(' Ann@Example.COM ', 'ann')).toBe('ann@example.com');
    expect(identityKeyFor(undefined, 'Ann.Lee')).toBe('login:ann.lee');
    expect(identityKeyFor(undefined, undefined)).toBeUndefined();
  });
});

describe('UniqueRows', () => {
  it('merges identical repeats with a warning', () => {
    const badRows: BadRow[] = [];
    const warnings: BadRow[] = [];
    const rows = new UniqueRows<{ name: string }>('f.csv', 'account', badRows, warnings);
    expect(rows.add('a', { name: 'A' }, 'line 2')).toBe(true);
    expect(rows.add('a', { name: 'A' }, 'line 3')).toBe(false);
    expect(rows.size).toBe(1);
    expect(badRows).toEqual([]);
    expect(warnings[0]?.reason).toContain('identical to line 2');
  });

  it('rejects conflicting repeats as bad rows', () => {
    const badRows: BadRow[] = [];
    const rows = new UniqueRows<{ name: string }>('f.csv', 'account', badRows, []);
    rows.add('a', { name: 'A' }, 'line 2');
    rows.add('a', { name: 'B' }, 'line 5');
    expect(badRows).toHaveLength(1);
    expect(badRows[0]).toMatchObject({ file: 'f.csv', location: 'line 5' });
    expect(badRows[0]?.reason).toContain('different values from line 2');
  });
});
