import { describe, expect, it } from 'vitest';
import { CampaignDefinitionError, parseCampaignDefinition } from './campaign-schema.js';

const minimal = {
  name: 'Q1 review',
  policy: 'quarterly',
  owner: 'Ana@Example.com',
  dueAt: '2030-03-31',
};

function problems(raw: unknown): string[] {
  try {
    parseCampaignDefinition(raw);
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error.problems;
    throw error;
  }
  return [];
}

describe('campaign definition', () => {
  it('fills defaults for a minimal definition', () => {
    const definition = parseCampaignDefinition(minimal);
    expect(definition).toMatchObject({
      owner: 'ana@example.com',
      defaultView: 'by_application',
      noResponseRule: 'leave_open',
      instructions: '',
      admins: [],
      scope: {
        applications: [],
        grantKind: 'both',
        principalType: 'account',
        includeDisabledAccounts: true,
        includeOrphanedAccounts: true,
      },
    });
    expect(definition.dueAt.toISOString()).toBe('2030-03-31T00:00:00.000Z');
  });

  it('accepts a time with an offset', () => {
    const definition = parseCampaignDefinition({ ...minimal, dueAt: '2030-03-31T17:00:00+02:00' });
    expect(definition.dueAt.toISOString()).toBe('2030-03-31T15:00:00.000Z');
  });

  it('names every invalid field', () => {
    expect(
      problems({
        name: '',
        policy: 'quarterly',
        owner: 'not-an-email',
        dueAt: 'next friday',
        noResponseRule: 'approve',
        defaultView: 'grid',
        scope: { riskLevels: ['extreme'], grantKind: 'all', surprise: true },
      }),
    ).toEqual([
      'name: give the campaign a name',
      'defaultView: expected by_application, by_user or unstructured',
      'owner: expected an email address',
      'dueAt: expected a date such as 2027-01-31 or a time such as 2027-01-31T17:00:00Z, got "next friday"',
      'noResponseRule: expected leave_open, certify, remove or follow_recommendation',
      'scope.riskLevels.0: expected low, medium, high or critical',
      'scope.grantKind: expected direct, inherited or both',
      expect.stringMatching(/^scope: Unrecognized key.*surprise/),
    ]);
  });

  it('names a missing due date', () => {
    const { dueAt: _dueAt, ...withoutDue } = minimal;
    expect(problems(withoutDue)).toEqual([
      'dueAt: missing; give a date such as 2027-01-31 or a time such as 2027-01-31T17:00:00Z',
    ]);
  });

  it('requires the due date after the start date', () => {
    expect(problems({ ...minimal, startsAt: '2030-04-01' })).toEqual([
      'dueAt: must be after startsAt',
    ]);
  });

  it('rejects unknown top-level fields', () => {
    expect(problems({ ...minimal, deadline: '2030-01-01' })).toEqual([
      expect.stringMatching(/^\(top level\): Unrecognized key.*deadline/),
    ]);
  });
});
