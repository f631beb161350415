import { describe, expect, it } from 'vitest';
import {
  DEMO_DIRECTORY_APPLICATION,
  DEMO_STALE_AFTER_DAYS,
  generateDemoOrganisation,
} from '../../db/demo/generate.js';
import { importBytes } from '../../db/import/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

async function count(sql: string, values: unknown[] = []): Promise<number> {
  const [row] = await db.orm.em.getConnection().execute<{ count: string }[]>(sql, values);
  return Number(row?.count);
}

describe('demo organisation import', () => {
  it('holds every case in the numbers of its manifest', async () => {
    const demo = generateDemoOrganisation({ seed: 7, identities: 400 });
    const { manifest } = demo;
    await importBytes(db.orm, Buffer.from(demo.directory), 'demo.scim.json', {
      application: DEMO_DIRECTORY_APPLICATION,
      actor: 'test',
    });
    const summary = await importBytes(db.orm, Buffer.from(demo.grantsCsv), 'demo.grants.csv', {
      actor: 'test',
    });
    expect(summary.orphanedAccounts).toBe(manifest.cases.orphanedAccounts);

    const applicationGrants = `from "grant" g join account a on a.id = g.account_id join application ap on ap.id = a.application_id
       where ap.key in ('github', 'aws', 'workday') and g.removed_at is null`;
    expect(await count(`select count(*) as count ${applicationGrants}`)).toBe(manifest.totalGrants);
    expect(await count('select count(*) as count from identity')).toBe(400);
    expect(await count('select count(*) as count from identity where manager_id is not null')).toBe(
      399,
    );
    expect(
      await count(`select count(*) as count from identity where employment_status = 'terminated'`),
    ).toBe(manifest.cases.terminatedIdentities);
    expect(
      await count(
        `select count(distinct i.id) as count ${applicationGrants.replace('where', 'join identity i on i.id = a.identity_id where')} and i.employment_status = 'terminated'`,
      ),
    ).toBe(manifest.cases.terminatedWithAccess);
    expect(
      await count(
        `select count(*) as count ${applicationGrants.replace('where', 'join identity i on i.id = a.identity_id where')} and i.employment_status = 'terminated'`,
      ),
    ).toBe(manifest.cases.terminatedGrants);

    const applicationAccounts = `from account a join application ap on ap.id = a.application_id where ap.key in ('github', 'aws', 'workday')`;
    expect(
      await count(
        `select count(*) as count ${applicationAccounts} and a.identity_id is null and a.account_type = 'human'`,
      ),
    ).toBe(manifest.cases.orphanedAccounts);
    expect(
      await count(`select count(*) as count ${applicationAccounts} and a.account_type = 'service'`),
    ).toBe(manifest.cases.serviceAccounts);
    expect(
      await count(
        `select count(*) as count ${applicationAccounts} and a.last_login_at <= ?::timestamptz - make_interval(days => ?)`,
        [manifest.asOf, DEMO_STALE_AFTER_DAYS],
      ),
    ).toBe(manifest.cases.staleAccounts);
    expect(
      await count(
        `select count(*) as count ${applicationAccounts} and a.status = 'disabled' and exists (select 1 from "grant" g where g.account_id = a.id and g.removed_at is null)`,
      ),
    ).toBe(manifest.cases.disabledAccountsWithGrants);

    const singletons = await db.orm.em
      .getConnection()
      .execute<{ email: string; department: string; application: string; resource: string }[]>(
        `select min(i.email) as email, i.department, ap.key as application, r.external_id as resource
       ${applicationGrants.replace('where', 'join identity i on i.id = a.identity_id join resource r on r.id = g.resource_id where')}
       group by i.department, ap.key, r.external_id having count(distinct i.id) = 1`,
      );
    const key = (outlier: {
      email: string;
      department: string;
      application: string;
      resource: string;
    }) => `${outlier.department}/${outlier.application}/${outlier.resource}/${outlier.email}`;
    expect(singletons.map(key).sort()).toEqual(manifest.cases.peerOutliers.map(key).sort());
  });

  it('sets owners of applications and resources', async () => {
    const demo = generateDemoOrganisation({ seed: 8, identities: 60 });
    await importBytes(db.orm, Buffer.from(demo.directory), 'owners.scim.json', {
      application: 'okta-owners',
      actor: 'test',
    });
    await importBytes(
      db.orm,
      Buffer.from(demo.grantsCsv.replace(/^(github|aws|workday),/gm, '$1-owners,')),
      'owners.grants.csv',
      {
        actor: 'test',
      },
    );
    expect(
      await count(
        `select count(*) as count from application_owner ao join application a on a.id = ao.application_id where a.key like '%-owners'`,
      ),
    ).toBe(3);
    // The identities with GitHub's organisation owner role own the organisation's resources.
    expect(
      await count(
        `select count(*) as count from resource_owner ro join resource r on r.id = ro.resource_id join application a on a.id = r.application_id
         where a.key = 'github-owners' and r.external_id = 'org:acme:member'`,
      ),
    ).toBeGreaterThan(0);
  });
});
