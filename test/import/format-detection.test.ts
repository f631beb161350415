import { describe, expect, it } from 'vitest';
import { chooseImporter } from '../../db/import/run-import.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const reason = (text: string, file: string, format: 'auto' | 'csv' = 'auto') => {
  try {
    chooseImporter(bytes(text), file, format);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the file to be rejected, but it was accepted');
};

describe('import format detection', () => {
  const semicolons = 'account_email;application;resource_id\nana@example.com;aws;admins\n';

  it('names semicolon separators in a CSV', () => {
    expect(reason(semicolons, 'grants.csv')).toContain('separates columns with semicolons');
    expect(reason(semicolons, 'grants.csv', 'csv')).toContain('separates columns with semicolons');
  });

  it('names tab separators in a CSV', () => {
    const tabs = 'account_email\tapplication\tresource_id\nana@example.com\taws\tadmins\n';
    expect(reason(tabs, 'grants.tsv')).toContain('separates columns with tabs');
  });

  it('reports a header without known columns', () => {
    expect(reason('who,what\nana,admins\n', 'grants.csv')).toContain(
      'line 1 has none of the CSV columns',
    );
  });

  it('keeps the general message for other files', () => {
    expect(reason('{"nothing": true}', 'data.json')).toContain('the format is not recognised');
  });

  it('accepts a comma-separated CSV', () => {
    const csv = 'account_email,application,resource_id\nana@example.com,aws,admins\n';
    expect(chooseImporter(bytes(csv), 'grants.csv').format).toBe('csv');
  });
});
