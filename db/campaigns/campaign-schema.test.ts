import { describe, expect, it } from 'vitest';
import {
  CampaignDefinitionError,
  parseCampaignDefinition,
  readCampaignReferences,
} from './campaign-schema.js';

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
  it('reads risk levels in any case', () => {
    const definition = parseCampaignDefinition({
      ...minimal,
      scope: { riskLevels: ['High', 'CRITICAL'] },
    });
    expect(definition.scope.riskLevels).toEqual(['high', 'critical']);
  });

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
      'noResponseRule: expected leave_open, certify, remove or follow_recommendation, got "approve"',
      'scope.riskLevels.0: expected low, medium, high or critical, got "extreme"',
      'scope.grantKind: expected direct, inherited or both',
      'scope.surprise: unknown key; remove it or use one of applications, resourceTypes, ' +
        'riskLevels, grantKind, principalType, includeDisabledAccounts, includeOrphanedAccounts',
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
      'deadline: unknown key; remove it or use one of name, instructions, defaultView, policy, ' +
        'policyVersion, owner, admins, startsAt, dueAt, noResponseRule, scope',
    ]);
  });

  it('suggests close unknown keys', () => {
    expect(
      problems({ ...minimal, Owner: 'x', scope: { aplications: ['erp'], riskLevel: ['high'] } }),
    ).toEqual([
      'scope.aplications: unknown key; did you mean applications?',
      'scope.riskLevel: unknown key; did you mean riskLevels?',
      'Owner: unknown key; did you mean owner?',
    ]);
  });

  it('names missing fields', () => {
    expect(problems({ dueAt: '2030-03-31' })).toEqual([
      'name: missing; add this field',
      'policy: missing; add this field',
      'owner: missing; add this field',
    ]);
  });

  it('quotes values of the wrong type', () => {
    expect(
      problems({ ...minimal, admins: 'ana@example.com', scope: { applications: 'erp' } }),
    ).toEqual([
      'admins: expected a list, got "ana@example.com"',
      'scope.applications: expected a list, got "erp"',
    ]);
  });
});

describe('campaign references', () => {
  it('keeps valid fields of invalid definition', () => {
    const references = readCampaignReferences({
      policy: 'quarterly',
      owner: 'not-an-email',
      admins: ['Bo@Example.com', 'nobody'],
      dueAt: '2030-03-31',
      scope: { applications: ['erp', ''], riskLevels: ['extreme'] },
      surprise: true,
    });
    expect(references).toEqual({
      policy: 'quarterly',
      policyVersion: undefined,
      owner: undefined,
      admins: ['bo@example.com', undefined],
      dueAt: new Date('2030-03-31T00:00:00Z'),
      applications: ['erp', undefined],
    });
  });

  it('reads nothing from non-object content', () => {
    expect(readCampaignReferences(['policy'])).toEqual({ admins: [], applications: [] });
  });
});
