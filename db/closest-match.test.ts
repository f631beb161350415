import { describe, expect, it } from 'vitest';
import { closestMatch, describeUnknownKey, editDistance } from './closest-match.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('aplications', 'applications')).toBe(1);
    expect(editDistance('applications', 'aplications')).toBe(1);
    expect(editDistance('owner', 'ownr')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('counts adjacent swap as one edit', () => {
    expect(editDistance('epr', 'erp')).toBe(1);
    expect(editDistance('acocunt', 'account')).toBe(1);
  });
});

describe('closestMatch', () => {
  const keys = ['crm', 'erp', 'github', 'hr-portal'];

  it('finds swapped short key', () => {
    expect(closestMatch('epr', keys)).toBe('erp');
  });

  it('ignores case', () => {
    expect(closestMatch('GitHub', keys)).toBe('github');
  });

  it('prefers the nearest name', () => {
    expect(closestMatch('account_emial', ['account_email', 'account_id'])).toBe('account_email');
  });

  it('finds a name with the same stem', () => {
    expect(closestMatch('identity', ['manager', 'identities', 'group'])).toBe('identities');
  });

  it('rejects names too far away', () => {
    expect(closestMatch('nope', keys)).toBeUndefined();
    expect(closestMatch('md', ['mode'])).toBeUndefined();
  });
});

describe('describeUnknownKey', () => {
  it('suggests or lists allowed keys', () => {
    expect(describeUnknownKey('aplications', ['applications', 'riskLevels'])).toBe(
      'unknown key; did you mean applications?',
    );
    expect(describeUnknownKey('colour', ['applications', 'riskLevels'])).toBe(
      'unknown key; remove it or use one of applications, riskLevels',
    );
    expect(describeUnknownKey('colour', [])).toBe('unknown key; remove it');
  });
});
