import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../db/policy-repository.js';
import type { PolicyDefinition } from '../../workflows/policy.js';
import { recert } from '../support/cli.js';
import { useTestDatabase } from '../support/database.js';
import { seedOrganisation } from '../support/fixtures.js';

const db = useTestDatabase();

/** Writes a policy named `name` with `body` (the lines after its name) to a fresh folder. */
async function writePolicy(name: string, body: string[]): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'recert-policy-')), `${name}.yaml`);
  await writeFile(file, [`name: ${name}`, ...body, ''].join('\n'));
  return file;
}

function policyFile(name: string, fallback: string): Promise<string> {
  return writePolicy(name, [
    'steps:',
    '  - name: Manager review',
    '    reviewer: { kind: manager }',
    `    fallbackReviewerEmails: [${fallback}]`,
    '    due: 14d',
    'revocation: { mode: manual }',
  ]);
}

describe('recert policy publish', () => {
  it('warns about an unknown reviewer email', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = await policyFile(name, 'nobody@example.invalid');

    const result = await recert(['policy', 'publish', file], { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Published ${name} v1`);
    expect(result.stderr).toContain(
      'steps.0.fallbackReviewerEmails: nobody@example.invalid matches no active identity',
    );
  });

  it('publishes a known email without warnings', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = await policyFile(name, org.emails.fallback);

    const result = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Publishing would create ${name} v1`);
    expect(result.stderr).not.toContain('warning');
  });

  it('exits 1 on an invalid file', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = await writePolicy(name, [
      'steps:',
      '  - name: Boss review',
      '    reviewer: { kind: boss }',
      '    due: 7d',
      '  - name: Second review',
      '    due: 7d',
      'revocation: { mode: manual, remindEvery: weekly }',
    ]);

    const result = await recert(['policy', 'publish', file], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: steps.0.reviewer.kind: unknown value "boss"; use one of manager, application_owner`,
    );
    expect(result.stderr).toContain(`${file}: steps.1.reviewer: missing; add this section`);
    expect(result.stderr).toContain(
      `${file}: revocation.remindEvery: expected a duration such as 30s, 15m, 4h, 7d or 2w, got "weekly"`,
    );
    expect(result.stdout).toBe('');
  });

  it('rejects misspelt step keys', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const published = await policyFile(name, 'nobody@example.invalid');
    expect((await recert(['policy', 'publish', published], { DATABASE_URL: db.url })).code).toBe(0);
    const file = await writePolicy(name, [
      'steps:',
      '  - name: Manager review',
      '    reviewer: { kind: manager }',
      '    due: 14d',
      '    remindEvry: 2d',
      '    escalateToEmail: [it-director@example.com]',
      '    commentRequred: { certify: false, remove: true }',
      'revocation: { mode: manual }',
    ]);

    for (const args of [[file], [file, '--dry-run']]) {
      const result = await recert(['policy', 'publish', ...args], { DATABASE_URL: db.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `${file}: steps.0.remindEvry: unknown key; did you mean remindEvery?`,
      );
      expect(result.stderr).toContain(
        `${file}: steps.0.escalateToEmail: unknown key; did you mean escalateToEmails?`,
      );
      expect(result.stderr).toContain(
        `${file}: steps.0.commentRequred: unknown key; did you mean commentRequired?`,
      );
      expect(result.stdout).toBe('');
    }

    const versions = await new PolicyRepository(db.orm.em.fork()).history(name);
    expect(versions.map((version) => version.version)).toEqual([1]);
    expect(versions[0]?.definition.steps[0]?.commentRequired).toEqual({
      certify: false,
      remove: false,
    });
  });

  it('rejects unknown keys at every level', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = await writePolicy(name, [
      'descripton: Quarterly SOX review',
      'steps:',
      '  - name: Manager review',
      '    reviwer: { kind: manager }',
      '    due: 14d',
      '    commentRequired: { certify: false, remvoe: true }',
      '  - name: Named reviewers',
      '    reviewer: { kind: identities, emails: [ana@example.com], team: audit }',
      '    due: 7d',
      'revocation:',
      '  mode: approval',
      '  approverEmails: [security-lead@example.com]',
      '  then: { mode: manual }',
      '  remind_every: 3d',
    ]);

    const result = await recert(['policy', 'publish', file], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: descripton: unknown key; did you mean description?`);
    expect(result.stderr).toContain(`${file}: steps.0.reviewer: missing; add this section`);
    expect(result.stderr).toContain(
      `${file}: steps.0.reviwer: unknown key; did you mean reviewer?`,
    );
    expect(result.stderr).toContain(
      `${file}: steps.0.commentRequired.remvoe: unknown key; did you mean remove?`,
    );
    expect(result.stderr).toContain(
      `${file}: steps.1.reviewer.team: unknown key; remove it or use one of kind, emails`,
    );
    expect(result.stderr).toContain(
      `${file}: revocation.remind_every: unknown key; did you mean remindEvery?`,
    );
    expect(result.stdout).toBe('');
    expect(await new PolicyRepository(db.orm.em.fork()).find(name)).toBeUndefined();
  });

  it('rejects an unknown key in JSON', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = join(await mkdtemp(join(tmpdir(), 'recert-policy-')), `${name}.json`);
    const definition = {
      name,
      steps: [{ name: 'Manager review', reviewer: { kind: 'manager' }, due: '14d' }],
      revocation: { mode: 'automatic', conector: 'okta-scim' },
    };
    await writeFile(file, JSON.stringify(definition));

    const result = await recert(['policy', 'publish', file], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: revocation.connector: missing; add this field`);
    expect(result.stderr).toContain(
      `${file}: revocation.conector: unknown key; did you mean connector?`,
    );
    expect(await new PolicyRepository(db.orm.em.fork()).find(name)).toBeUndefined();
  });

  it('shows stored version with extra key', { timeout: 60_000 }, async () => {
    // Reading back never applies the file schema, so stored versions load as they were saved.
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const step = {
      name: 'Manager review',
      reviewer: { kind: 'manager' as const },
      fallbackReviewerEmails: [],
      due: '14d',
      commentRequired: { certify: false, remove: false },
      allowSelfReview: false,
      retiredSetting: true,
    };
    const stored: PolicyDefinition = { name, steps: [step], revocation: { mode: 'manual' } };
    await new PolicyRepository(db.orm.em.fork()).publish(stored, 'test');

    const result = await recert(['policy', 'show', name, '--json'], { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name, version: 1, definition: stored });
  });

  it('warns about an unknown connector', { timeout: 60_000 }, async () => {
    const name = `policy-${randomBytes(4).toString('hex')}`;
    const file = await writePolicy(name, [
      'steps:',
      '  - name: Manager review',
      '    reviewer: { kind: manager }',
      '    due: 14d',
      'revocation: { mode: automatic, connector: okta-scim }',
    ]);
    const connectors = join(dirname(file), 'connectors.yaml');
    await writeFile(
      connectors,
      'allowlist: ["127.0.0.1:1"]\nconnectors:\n  github-scim: { type: scim, baseUrl: "http://127.0.0.1:1/scim/v2", tokenEnv: GITHUB_SCIM_TOKEN }\n',
    );

    const unchecked = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: '',
    });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stderr).toContain(
      'revocation.connector: RECERT_CONNECTORS is not set here, so "okta-scim" was not checked',
    );

    const unknown = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: connectors,
    });
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toContain(
      'revocation.connector: no connector named "okta-scim" in RECERT_CONNECTORS (configured: github-scim)',
    );

    // With --strict the same warning is an error, and nothing is published.
    const strictPublish = await recert(['policy', 'publish', file, '--strict'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: connectors,
    });
    expect(strictPublish.code).toBe(1);
    expect(strictPublish.stderr).toContain(
      `error: ${file}: revocation.connector: no connector named "okta-scim"`,
    );
    expect(strictPublish.stderr).toContain('Nothing was published');
    expect(await new PolicyRepository(db.orm.em.fork()).find(name)).toBeUndefined();

    const invalid = join(dirname(file), 'invalid-connectors.yaml');
    await writeFile(invalid, 'connectors:\n  okta-scim: { type: ftp }\n');
    const unreadable = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: invalid,
    });
    expect(unreadable.code).toBe(0);
    expect(unreadable.stderr).toContain(
      'RECERT_CONNECTORS could not be checked: Invalid connector configuration',
    );
    expect(unreadable.stderr).toContain(
      `${invalid}: connectors.okta-scim.type: expected "type: scim" or "type: webhook"`,
    );

    // An unsupported key and a target outside the allowlist are errors, not silent defaults.
    await writeFile(
      invalid,
      [
        'allowlist: ["127.0.0.1:1"]',
        'connectors:',
        '  erp: { type: webhook, url: "http://127.0.0.1:9999/revoke", secretEnv: ERP_SECRET, maxAttempts: 3, secretEvn: X }',
        '  okta-scim: { type: scim, baseUrl: "http://127.0.0.1:9999/scim/v2", tokenEnv: OKTA_TOKEN }',
        '',
      ].join('\n'),
    );
    const strict = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: invalid,
    });
    expect(strict.stderr).toContain(
      `${invalid}: connectors.erp.maxAttempts: unknown key; remove it or use one of type, url, secretEnv`,
    );
    expect(strict.stderr).toContain(
      `${invalid}: connectors.erp.secretEvn: unknown key; did you mean secretEnv?`,
    );
    await writeFile(
      invalid,
      [
        'allowlist: ["127.0.0.1:1"]',
        'connectors:',
        '  okta-scim: { type: scim, baseUrl: "http://127.0.0.1:9999/scim/v2", tokenEnv: OKTA_TOKEN }',
        '',
      ].join('\n'),
    );
    const outside = await recert(['policy', 'publish', file, '--dry-run'], {
      DATABASE_URL: db.url,
      RECERT_CONNECTORS: invalid,
    });
    expect(outside.stderr).toContain(
      `${invalid}: connectors.okta-scim.baseUrl: Connector target 127.0.0.1:9999 is not on the connector allowlist`,
    );
  });

  it('exits 1 on a missing file', { timeout: 60_000 }, async () => {
    const file = join(tmpdir(), `missing-${randomBytes(4).toString('hex')}.yaml`);
    const result = await recert(['policy', 'publish', file], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot read ${file}: no such file`);
  });
});
