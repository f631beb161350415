import { describe, expect, it } from 'vitest';
import { csvImporter } from './csv.js';
import { countBadRows, ImportFileError } from './types.js';

const parse = (text: string, application = 'crm') =>
  csvImporter.parse(new TextEncoder().encode(text), { file: 'grants.csv', application });

describe('csvImporter', () => {
  it('maps columns by header, in any order and case', async () => {
    const result = await parse(
      '\uFEFFResource ID,Account-Email,account_id,Last Login\r\n' +
        'admin,ann@example.com,u1,2025-04-01\r\n' +
        '"reports, read",ann@example.com,u1,2025-04-01\r\n',
    );
    expect(result.badRows).toEqual([]);
    expect(result.accounts).toHaveLength(1);
    expect(result.accounts[0]).toMatchObject({ externalId: 'u1', email: 'ann@example.com' });
    expect(result.accounts[0]?.lastLoginAt?.toISOString()).toBe('2025-04-01T00:00:00.000Z');
    expect(result.resources.map((row) => row.externalId)).toEqual(['admin', 'reports, read']);
    expect(result.grants).toHaveLength(2);
  });

  it('rejects unknown columns naming them', async () => {
    const error = await parse('account_id,resource_id,colour\nu1,admin,red\n').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toContain('unknown column "colour"');
    expect((error as Error).message).toContain('grants.csv');
  });

  it('rejects a header without resource_id', async () => {
    await expect(parse('account_id,resource_name\nu1,Admin\n')).rejects.toThrow(
      /no resource_id column/,
    );
  });

  it('reports bad rows with line and field', async () => {
    const result = await parse(
      'account_id,account_email,resource_id,resource_risk,last_login\n' +
        'u1,not-an-email,admin,,\n' +
        'u2,bob@example.com,admin,extreme,\n' +
        'u3,cy@example.com,admin,,someday\n' +
        'u4,dee@example.com,\n',
    );
    expect(result.badRows.map((row) => [row.location, row.field])).toEqual([
      ['line 2', 'account_email'],
      ['line 3', 'resource_risk'],
      ['line 4', 'last_login'],
      ['line 5', undefined],
    ]);
    expect(result.badRows[3]?.reason).toContain('expected 5 fields');
  });

  it('lists every bad field per row', async () => {
    const result = await parse(
      'account_id,account_email,resource_id,resource_risk,last_login\n' +
        'u1,not-an-email,,extreme,someday\n' +
        'u2,bob@example.com,admin,,04/01/2025\n',
    );
    expect(result.badRows.map((row) => row.field)).toEqual([
      'account_email',
      'resource_id',
      'last_login',
      'resource_risk',
    ]);
    expect(new Set(result.badRows.map((row) => row.location))).toEqual(new Set(['line 2']));
    expect(countBadRows(result.badRows)).toBe(1);
    expect(result.badRows.find((row) => row.field === 'last_login')?.reason).toContain(
      'MM/DD/YYYY or Unix seconds',
    );
    expect(result.accounts.map((row) => row.externalId)).toEqual(['u2']);
  });

  it('merges exact duplicates and rejects conflicting ones', async () => {
    const result = await parse(
      'account_id,resource_id,resource_name\n' +
        'u1,admin,Admin\n' +
        'u1,admin,Admin\n' +
        'u2,admin,Administrator\n',
    );
    expect(result.grants).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ location: 'line 3' });
    expect(result.badRows[0]).toMatchObject({ location: 'line 4', field: 'resource_id' });
  });

  it('reads several applications from one file', async () => {
    const result = await parse(
      'application,application_risk,account_email,resource_id,granted_through\n' +
        'GitHub,high,ann@example.com,org:owner,\n' +
        'AWS,critical,ann@example.com,AdministratorAccess,sso:admins\n',
    );
    expect(result.applications.map((row) => [row.key, row.riskLevel])).toEqual([
      ['github', 'high'],
      ['aws', 'critical'],
    ]);
    expect(result.grants[1]).toMatchObject({
      inherited: true,
      sources: [{ resourceExternalId: 'sso:admins' }],
    });
  });

  it('rejects an unterminated quote as a corrupt file', async () => {
    await expect(parse('account_id,resource_id\nu1,"admin\n')).rejects.toThrow(/cannot be parsed/);
  });
});
