import { describe, expect, it } from 'vitest';
import { parsePolicyDefinition, PolicyError } from './policy-repository.js';

const step = { name: 'Manager review', reviewer: { kind: 'manager' }, due: '7d' };
const minimal = { name: 'quarterly-sox', steps: [step], revocation: { mode: 'manual' } };

function problems(raw: unknown): string[] {
  try {
    parsePolicyDefinition(raw, 'policy.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.message.split('\n').slice(1);
    throw error;
  }
  return [];
}

describe('policy definition values', () => {
  it('suggests the reviewer kind meant', () => {
    const raw = { ...minimal, steps: [{ ...step, reviewer: { kind: 'identity' } }] };
    expect(problems(raw)).toContain(
      '  - policy.yaml: steps.0.reviewer.kind: unknown value "identity"; did you mean identities?',
    );
  });

  it('quotes a name that breaks the pattern', () => {
    expect(problems({ ...minimal, name: 'SOC2 Review' })).toEqual([
      '  - policy.yaml: name: expected lowercase letters, digits and dashes, e.g. "quarterly-sox", got "SOC2 Review"',
    ]);
  });
});

describe('policy definition keys', () => {
  it('accepts every documented key', () => {
    const full = {
      name: 'quarterly-sox',
      description: 'Manager, then named reviewers',
      steps: [
        {
          ...step,
          fallbackReviewerEmails: ['security-reviews@example.com'],
          remindEvery: '2d',
          escalateToEmails: ['it-director@example.com'],
          commentRequired: { certify: false, remove: true },
          allowSelfReview: false,
        },
        {
          name: 'Group review',
          reviewer: { kind: 'group', application: 'github', group: 'admins' },
          due: '5d',
        },
      ],
      revocation: {
        mode: 'approval',
        approverEmails: ['security-lead@example.com'],
        then: { mode: 'automatic', connector: 'okta-groups' },
        remindEvery: '3d',
      },
    };
    expect(problems(full)).toEqual([]);
  });

  it('suggests key differing in case', () => {
    expect(problems({ ...minimal, Description: 'x' })).toEqual([
      '  - policy.yaml: Description: unknown key; did you mean description?',
    ]);
  });

  it('lists allowed keys without close match', () => {
    expect(problems({ ...minimal, steps: [{ ...step, owner: 'ana@example.com' }] })).toEqual([
      '  - policy.yaml: steps.0.owner: unknown key; remove it or use one of name, reviewer, ' +
        'fallbackReviewerEmails, due, remindEvery, escalateToEmails, commentRequired, ' +
        'allowSelfReview',
    ]);
  });

  it('suggests short key one edit away', () => {
    expect(problems({ ...minimal, steps: [{ ...step, du: '7d', due: undefined }] })).toEqual([
      '  - policy.yaml: steps.0.due: missing; add this field',
      '  - policy.yaml: steps.0.du: unknown key; did you mean due?',
    ]);
  });

  it('skips short key two edits away', () => {
    expect(problems({ ...minimal, revocation: { mode: 'manual', md: 'x' } })).toEqual([
      '  - policy.yaml: revocation.md: unknown key; remove it or use one of mode, remindEvery',
    ]);
  });

  it('checks keys of selected variant', () => {
    const reviewer = { kind: 'manager', emails: ['ana@example.com'] };
    expect(problems({ ...minimal, steps: [{ ...step, reviewer }] })).toEqual([
      '  - policy.yaml: steps.0.reviewer.emails: unknown key; remove it or use one of kind',
    ]);
    const revocation = {
      mode: 'approval',
      approverEmails: ['a@example.com'],
      then: { mode: 'manual', connector: 'okta' },
    };
    expect(problems({ ...minimal, revocation })).toEqual([
      '  - policy.yaml: revocation.then.connector: unknown key; remove it or use one of mode',
    ]);
  });

  it('reports each unknown key separately', () => {
    const reviewer = { kind: 'group', application: 'github', group: 'admins', team: 'x', app: 'y' };
    const hint = 'unknown key; remove it or use one of kind, application, group';
    expect(problems({ ...minimal, steps: [{ ...step, reviewer }] })).toEqual([
      `  - policy.yaml: steps.0.reviewer.team: ${hint}`,
      `  - policy.yaml: steps.0.reviewer.app: ${hint}`,
    ]);
  });
});

describe('policy durations', () => {
  const expected = 'expected a duration such as 30s, 15m, 4h, 7d or 2w';
  const cases: [string, unknown, string][] = [
    ['unit word', '7 days', `${expected}, got "7 days"; write 7d`],
    ['capitalised unit word', '4 Hours', `${expected}, got "4 Hours"; write 4h`],
    ['number without unit', 7, `${expected}, got 7; add a unit, such as 7d`],
    ['text without unit', '12', `${expected}, got "12"; add a unit, such as 12d`],
    ['unrelated text', 'soon', `${expected}, got "soon"`],
  ];

  it.each(cases)('quotes %s', (_case, due, message) => {
    expect(problems({ ...minimal, steps: [{ ...step, due }] })).toEqual([
      `  - policy.yaml: steps.0.due: ${message}`,
    ]);
  });

  it('quotes revocation reminder', () => {
    expect(
      problems({ ...minimal, revocation: { mode: 'manual', remindEvery: '2 weeks' } }),
    ).toEqual([`  - policy.yaml: revocation.remindEvery: ${expected}, got "2 weeks"; write 2w`]);
  });

  it('accepts short forms', () => {
    for (const due of ['30s', '15m', '4h', '7d', '2w', '1.5d', '500ms']) {
      expect(problems({ ...minimal, steps: [{ ...step, due }] }), due).toEqual([]);
    }
  });
});
