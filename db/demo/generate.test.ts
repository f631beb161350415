import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  DEMO_STALE_AFTER_DAYS,
  generateDemoOrganisation,
  identitiesForGrants,
} from './generate.js';

type Row = Record<string, string>;

function rowsOf(csv: string): Row[] {
  return parse(csv, { columns: true }) as Row[];
}

function usersOf(directory: string) {
  const list = JSON.parse(directory) as { Resources: Record<string, unknown>[] };
  return list.Resources.filter((resource) => 'userName' in resource) as {
    id: string;
    userName: string;
    active: boolean;
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
      department: string;
      manager?: { value: string };
    };
  }[];
}

describe('generateDemoOrganisation', () => {
  it('writes the same bytes for the same seed', () => {
    const first = generateDemoOrganisation({ seed: 11, identities: 120 });
    const second = generateDemoOrganisation({ seed: 11, identities: 120 });
    expect(second.directory).toBe(first.directory);
    expect(second.grantsCsv).toBe(first.grantsCsv);
  });

  it('differs between seeds', () => {
    expect(generateDemoOrganisation({ seed: 1, identities: 120 }).grantsCsv).not.toBe(
      generateDemoOrganisation({ seed: 2, identities: 120 }).grantsCsv,
    );
  });

  it('states the counts its files contain', () => {
    const { directory, grantsCsv, manifest } = generateDemoOrganisation({
      seed: 5,
      identities: 500,
    });
    const rows = rowsOf(grantsCsv);
    const users = usersOf(directory);
    const emails = new Set(users.map((user) => user.userName));
    const accounts = new Map(rows.map((row) => [`${row.application}/${row.account_id}`, row]));
    const staleBefore = new Date(manifest.asOf).getTime() - DEMO_STALE_AFTER_DAYS * 86_400_000;

    expect(users).toHaveLength(500);
    expect(emails.size).toBe(500);
    expect(rows).toHaveLength(manifest.totalGrants);
    expect([...accounts.values()].filter((row) => row.account_type === 'service')).toHaveLength(
      manifest.cases.serviceAccounts,
    );
    expect(
      [...accounts.values()].filter(
        (row) => row.account_type === 'human' && !emails.has(row.account_email!),
      ),
    ).toHaveLength(manifest.cases.orphanedAccounts);
    expect([...accounts.values()].filter((row) => row.account_status === 'disabled')).toHaveLength(
      manifest.cases.disabledAccountsWithGrants,
    );
    expect(
      [...accounts.values()].filter((row) => new Date(row.last_login!).getTime() <= staleBefore),
    ).toHaveLength(manifest.cases.staleAccounts);
    expect(users.filter((user) => !user.active)).toHaveLength(manifest.cases.terminatedIdentities);
    for (const count of Object.values(manifest.cases)) {
      expect(Array.isArray(count) ? count.length : count).toBeGreaterThan(0);
    }
  });

  it('plants peer outliers that are unique in their department', () => {
    const { directory, grantsCsv, manifest } = generateDemoOrganisation({
      seed: 3,
      identities: 400,
    });
    const departmentOf = new Map(
      usersOf(directory).map((user) => [
        user.userName,
        user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department,
      ]),
    );
    const holders = new Map<string, Set<string>>();
    for (const row of rowsOf(grantsCsv)) {
      const department = departmentOf.get(row.account_email!);
      if (!department) continue;
      const key = `${department}/${row.application}/${row.resource_id}`;
      holders.set(key, (holders.get(key) ?? new Set()).add(row.account_email!));
    }
    const singletons = [...holders]
      .filter(([, emails]) => emails.size === 1)
      .map(([key, emails]) => `${key}/${[...emails][0]}`);
    const planted = manifest.cases.peerOutliers.map(
      (outlier) =>
        `${outlier.department}/${outlier.application}/${outlier.resource}/${outlier.email}`,
    );
    expect(singletons.sort()).toEqual(planted.sort());
    expect(planted).toHaveLength(4);
  });

  it('links every person but the chief executive to a manager', () => {
    const users = usersOf(generateDemoOrganisation({ seed: 2, identities: 60 }).directory);
    const ids = new Set(users.map((user) => user.id));
    const managers = users.map(
      (user) => user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager?.value,
    );
    expect(managers.filter((manager) => manager === undefined)).toHaveLength(1);
    expect(managers.every((manager) => manager === undefined || ids.has(manager))).toBe(true);
  });

  it('sizes organisations by grant count', () => {
    const manifest = generateDemoOrganisation({
      seed: 1,
      identities: identitiesForGrants(10_000),
    }).manifest;
    expect(manifest.totalGrants).toBeGreaterThan(9_500);
    expect(manifest.totalGrants).toBeLessThan(10_500);
  });
});
