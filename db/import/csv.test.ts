import { describe, expect, it } from 'vitest';
import { csvImporter } from './csv.js';

const read = (text: string) =>
  csvImporter.parse(new TextEncoder().encode(text), { file: 'grants.csv', application: 'app' });

describe('CSV reading', () => {
  it('names the line of an unclosed quote', async () => {
    const text = 'account_id,resource_id,resource_name\nu1,admin,"Admin\nu2,admin,Admin\n';
    await expect(read(text)).rejects.toThrow('line 2 opens a quoted field that is never closed');
  });

  it('counts quoted line breaks when naming the line', async () => {
    const text = 'account_id,resource_id,resource_name\nu1,admin,"Two\nlines"\nu2,admin,"open\n';
    await expect(read(text)).rejects.toThrow('line 4 opens a quoted field');
  });

  it('ignores empty trailing header columns', async () => {
    const text = 'account_id,resource_id,,\nu1,admin,,\nu2,admin\n';
    const result = await read(text);
    expect(result.grants).toHaveLength(2);
    expect(result.badRows).toEqual([]);
  });

  it('rejects values under an empty trailing header column', async () => {
    const result = await read('account_id,resource_id,,\nu1,admin,,stray\n');
    expect(result.badRows).toEqual([
      expect.objectContaining({
        location: 'line 2',
        reason:
          'column 4 holds a value but has no name in the header; name the column or remove the value',
      }),
    ]);
  });

  it('adds nothing from a row rejected for its resource', async () => {
    const result = await read(
      'account_id,resource_id,resource_name\nu1,admin,Admin\nu2,admin,Administrator\n',
    );
    expect(result.badRows).toEqual([expect.objectContaining({ location: 'line 3' })]);
    expect(result.accounts.map((account) => account.externalId)).toEqual(['u1']);
  });

  it('rejects an unnamed column between named ones', async () => {
    await expect(read('account_id,,resource_id\nu1,x,admin\n')).rejects.toThrow(
      'column 2 of the header has no name',
    );
  });
});
