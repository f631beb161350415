import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { scimImporter } from './scim.js';

const scimFile = (name: string) => new URL(`../../../shared/data/scim/${name}`, import.meta.url);

async function parseJson(document: unknown) {
  return scimImporter.parse(new TextEncoder().encode(JSON.stringify(document)), {
    file: 'dir.json',
    application: 'okta',
  });
}

describe('scimImporter', () => {
  it('reads the enterprise extension', async () => {
    const bytes = await readFile(scimFile('rfc7643-8.3-enterprise_user.json'));
    const result = await scimImporter.parse(bytes, { file: 'user.json', application: 'okta' });
    expect(result.identities).toHaveLength(1);
    expect(result.identities[0]).toMatchObject({
      key: 'bjensen@example.com',
      department: 'Tour Operations',
      employeeNumber: '701984',
      title: 'Tour Guide',
      managerRef: '26118915-6090-4610-87e4-49d8ca9f808d',
    });
    expect(result.partial).toBe(true);
  });

  it('treats attribute names case-insensitively', async () => {
    const result = await parseJson({
      SCHEMAS: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      resources: [
        {
          ID: 'u1',
          USERNAME: 'ann',
          EMAILS: [{ VALUE: 'Ann@Example.com', PRIMARY: true }],
          ACTIVE: false,
        },
      ],
    });
    expect(result.identities[0]).toMatchObject({
      key: 'ann@example.com',
      login: 'ann',
      employmentStatus: 'inactive',
    });
    expect(result.accounts[0]).toMatchObject({ externalId: 'u1', status: 'disabled' });
  });

  it('expands nested groups and stops at cycles', async () => {
    const bytes = await readFile(scimFile('rfc7644-3.7.1-list_response-circular_reference.json'));
    const result = await scimImporter.parse(bytes, { file: 'groups.json', application: 'okta' });
    expect(result.groups).toHaveLength(2);
    expect(result.grants.map((grant) => grant.principalType)).toEqual(['group', 'group']);
  });

  it('gives members of nested groups inherited grants', async () => {
    const result = await parseJson({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      Resources: [
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          id: 'u1',
          userName: 'ann@example.com',
        },
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          id: 'a',
          displayName: 'A',
          members: [{ value: 'b', type: 'Group' }],
        },
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          id: 'b',
          displayName: 'B',
          members: [{ value: 'u1' }, { value: 'a', type: 'Group' }],
        },
      ],
    });
    const toA = result.grants.find(
      (grant) => grant.resourceExternalId === 'a:member' && grant.principalType === 'account',
    );
    expect(toA).toMatchObject({
      principalExternalId: 'u1',
      inherited: true,
      sources: [{ resourceExternalId: 'b:member', resourceName: 'B · member' }],
    });
    const toB = result.grants.find(
      (grant) => grant.resourceExternalId === 'b:member' && grant.principalType === 'account',
    );
    expect(toB).toMatchObject({ inherited: false, sources: [] });
  });

  it('resolves a manager given by id within the file', async () => {
    const result = await parseJson({
      Resources: [
        { id: 'm1', userName: 'boss@example.com' },
        {
          id: 'u1',
          userName: 'ann@example.com',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
            manager: { value: 'm1' },
          },
        },
        {
          id: 'u2',
          userName: 'bob@example.com',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: 'E-77' },
        },
      ],
    });
    expect(result.identities.find((row) => row.key === 'ann@example.com')).toMatchObject({
      managerKey: 'boss@example.com',
      managerRef: undefined,
    });
    expect(result.identities.find((row) => row.key === 'bob@example.com')).toMatchObject({
      managerRef: 'E-77',
    });
  });

  it('rejects a PatchOp request', async () => {
    const bytes = await readFile(scimFile('rfc7644-3.5.2.1-patch_op-add_members.json'));
    await expect(scimImporter.parse(bytes, { file: 'patch.json' })).rejects.toThrow(
      /PatchOp request/,
    );
  });

  it('reports two users with one email as a bad row', async () => {
    const result = await parseJson({
      Resources: [
        { id: 'u1', userName: 'ann', emails: [{ value: 'ann@example.com' }] },
        { id: 'u2', userName: 'ann2', emails: [{ value: 'ANN@example.com' }] },
      ],
    });
    expect(result.badRows).toEqual([
      expect.objectContaining({ location: '$.Resources[1]', field: 'emails' }),
    ]);
  });
});
