import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_DIRECTORY_APPLICATION,
  generateDemoOrganisation,
  type DemoManifest,
} from '../../db/demo/generate.js';
import { importBytes } from '../../db/import/index.js';
import {
  AccountRepository,
  GrantRepository,
  IdentityRepository,
} from '../../db/repositories/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();
let manifest: DemoManifest;

beforeAll(async () => {
  const demo = generateDemoOrganisation({ seed: 21, identities: 150 });
  manifest = demo.manifest;
  await importBytes(db.orm, Buffer.from(demo.directory), 'repo.scim.json', {
    application: DEMO_DIRECTORY_APPLICATION,
    actor: 'test',
  });
  await importBytes(db.orm, Buffer.from(demo.grantsCsv), 'repo.grants.csv', { actor: 'test' });
});

describe('access-data repositories', () => {
  it('finds an identity by email in any case', async () => {
    const email = manifest.cases.peerOutliers[0]!.email;
    const identity = await new IdentityRepository(db.orm.em.fork()).findByEmail(
      email.toUpperCase(),
    );
    expect(identity?.email).toBe(email);
  });

  it('lists the accounts and grants of an identity', async () => {
    const em = db.orm.em.fork();
    const outlier = manifest.cases.peerOutliers[0]!;
    const identity = (await new IdentityRepository(em).findByEmail(outlier.email))!;
    const accounts = await new AccountRepository(em).accountsOfIdentity(identity.id);
    expect(accounts.map((account) => account.application.key)).toContain(outlier.application);
    const grants = await new GrantRepository(em).grantsOfIdentity(identity.id);
    expect(grants.map((grant) => grant.resourceExternalId)).toContain(outlier.resource);
    expect(grants.every((grant) => grant.identityId === identity.id)).toBe(true);
  });

  it('lists orphaned accounts of an application', async () => {
    const em = db.orm.em.fork();
    const repository = new AccountRepository(em);
    const orphans = [
      ...(await repository.orphanedAccounts('github')),
      ...(await repository.orphanedAccounts('aws')),
    ];
    expect(orphans).toHaveLength(manifest.cases.orphanedAccounts);
  });

  it('returns the grants in scope of an application', async () => {
    const grants = await new GrantRepository(db.orm.em.fork()).grantsInScope({
      applicationKeys: ['github'],
    });
    expect(grants).toHaveLength(manifest.grants.github!);
    expect(new Set(grants.map((grant) => grant.applicationKey))).toEqual(new Set(['github']));
    const critical = await new GrantRepository(db.orm.em.fork()).grantsInScope({
      applicationKeys: ['aws'],
      riskLevels: ['critical'],
    });
    expect(critical.every((grant) => grant.riskLevel === 'critical')).toBe(true);
    expect(critical.length).toBeGreaterThan(0);
  });

  it('counts holders of a resource among peers', async () => {
    const em = db.orm.em.fork();
    const outlier = manifest.cases.peerOutliers[0]!;
    const identity = (await new IdentityRepository(em).findByEmail(outlier.email))!;
    const grant = (await new GrantRepository(em).grantsOfIdentity(identity.id)).find(
      (row) => row.resourceExternalId === outlier.resource,
    )!;
    const holders = await new GrantRepository(em).holdersOfResource(grant.resourceId, identity.id);
    expect(holders.department).toEqual({
      name: outlier.department,
      members: manifest.departments[outlier.department],
      holders: 1,
    });
    expect(holders.identities).toBeGreaterThanOrEqual(1);
  });

  it('lists terminated people who still hold access', async () => {
    const people = await new IdentityRepository(db.orm.em.fork()).terminatedWithAccess();
    expect(people).toHaveLength(manifest.cases.terminatedWithAccess);
  });
});
