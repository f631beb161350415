import { describe, expect, it } from 'vitest';
import { expandHoldings } from './expand.js';

function holders(result: ReturnType<typeof expandHoldings>, entitlement: string) {
  return Object.fromEntries(
    [...(result.get(entitlement) ?? new Map<string, Set<string>>())].map(([principal, sources]) => [
      principal,
      [...sources].sort(),
    ]),
  );
}

describe('expandHoldings', () => {
  it('passes holdings along chains of edges', () => {
    const direct = new Map([['team:member', new Set(['ann'])]]);
    const result = expandHoldings(direct, [
      ['team:member', 'role:assignment'],
      ['role:assignment', 'workspace:member'],
    ]);
    expect(holders(result, 'role:assignment')).toEqual({ ann: ['team:member'] });
    expect(holders(result, 'workspace:member')).toEqual({ ann: ['role:assignment'] });
  });

  it('terminates on cycles and reaches every member', () => {
    const direct = new Map([
      ['a', new Set(['ann'])],
      ['b', new Set(['bob'])],
    ]);
    const result = expandHoldings(direct, [
      ['a', 'b'],
      ['b', 'a'],
    ]);
    expect(holders(result, 'a')).toEqual({ ann: [], bob: ['b'] });
    expect(holders(result, 'b')).toEqual({ ann: ['a'], bob: [] });
  });

  it('keeps direct holders without sources', () => {
    const direct = new Map([
      ['a', new Set(['ann'])],
      ['b', new Set(['ann'])],
    ]);
    const result = expandHoldings(direct, [['a', 'b']]);
    expect(holders(result, 'b')).toEqual({ ann: [] });
  });
});
