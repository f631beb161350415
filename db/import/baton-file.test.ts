import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { batonFileImporter } from './baton-file.js';

const template = (name: string) =>
  new URL(`../../../shared/data/baton-file/${name}`, import.meta.url);

describe('batonFileImporter', () => {
  it('reads the JSON and YAML templates alike', async () => {
    const json = await batonFileImporter.parse(await readFile(template('template.json')), {
      file: 'template.json',
    });
    const yaml = await batonFileImporter.parse(await readFile(template('template.yaml')), {
      file: 'template.yaml',
    });
    expect(json.badRows).toEqual([]);
    expect(yaml.badRows).toEqual([]);
    expect(json.accounts).toEqual(yaml.accounts);
    expect(json.resources).toEqual(yaml.resources);
    // The YAML template also makes dave.developer a member of app_admin.
    expect(json.grants).toHaveLength(31);
    expect(yaml.grants).toHaveLength(34);
    expect(json.accounts).toHaveLength(4);
    expect(json.resources).toHaveLength(11);
  });

  it('expands entitlement principals into inherited grants', async () => {
    const result = await batonFileImporter.parse(await readFile(template('template.json')), {
      file: 'template.json',
    });
    const daveWorkspace = result.grants.find(
      (grant) =>
        grant.principalExternalId === 'dave.developer' &&
        grant.resourceExternalId === 'development_workspace:member',
    );
    expect(daveWorkspace).toMatchObject({
      inherited: true,
      sources: [{ resourceExternalId: 'development_workspace_developer:assignment' }],
    });
    const daveTeam = result.grants.find(
      (grant) =>
        grant.principalExternalId === 'dave.developer' &&
        grant.resourceExternalId === 'app_developer:member',
    );
    expect(daveTeam).toMatchObject({ inherited: false, sources: [] });
  });

  it('reads US dates and marks service accounts', async () => {
    const result = await batonFileImporter.parse(await readFile(template('template.json')), {
      file: 'template.json',
    });
    const service = result.accounts.find((account) => account.externalId === 'svc.account.01');
    expect(service).toMatchObject({ accountType: 'service', identityKey: undefined });
    expect(service?.lastLoginAt?.toISOString()).toBe('2025-04-01T00:00:00.000Z');
    expect(result.accounts.find((account) => account.externalId === 'ursula.user')?.status).toBe(
      'disabled',
    );
  });

  it('reports each bad row with its JSON path', async () => {
    const document = {
      users: [
        { name: 'ann', email: 'bad-email' },
        { name: 'bob', last_login: 'someday' },
      ],
      resources: [{ name: 'team', resource_type: 'team' }],
      entitlements: [{ resource_name: 'nowhere', entitlement: 'member' }],
      grants: [{ principal: 'carl', entitlement_id: 'team:member' }],
    };
    const result = await batonFileImporter.parse(
      new TextEncoder().encode(JSON.stringify(document)),
      { file: 'bad.json' },
    );
    expect(result.badRows.map((row) => [row.location, row.field])).toEqual([
      ['$.users[0]', 'email'],
      ['$.users[1]', 'last_login'],
      ['$.entitlements[0]', 'resource_name'],
      ['$.grants[0]', 'entitlement_id'],
    ]);
  });

  it('rejects truncated JSON', async () => {
    const bytes = await readFile(template('template.json'));
    await expect(
      batonFileImporter.parse(bytes.subarray(0, 500), { file: 'cut.json' }),
    ).rejects.toThrow(
      /cut.json: the file is not valid JSON, or it is truncated: .*line \d+ column \d+/,
    );
  });
});
