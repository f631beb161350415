import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeInsights, type GrantInsights } from '../../activities/insights/compute.js';
import { DEFAULT_INSIGHTS_CONFIG } from '../../activities/insights/config.js';
import {
  DEMO_DIRECTORY_APPLICATION,
  DEMO_STALE_AFTER_DAYS,
  type DemoOrganisation,
} from '../../db/demo/generate.js';
import { useTestDatabase } from '../support/database.js';
import { importDemo } from './support.js';

const db = useTestDatabase();
const DAY_MS = 86_400_000;

type CsvRow = Record<string, string>;

interface StoredGrant {
  id: number;
  application: string;
  account: string;
  resource: string;
}

/** Works out from the generated files alone, without SQL, what each CSV grant should get. */
function expectedKinds(demo: DemoOrganisation): Map<string, 'remove' | 'closer_look' | 'none'> {
  const config = DEFAULT_INSIGHTS_CONFIG;
  const rows = parse(demo.grantsCsv, { columns: true }) as CsvRow[];
  const users = (
    JSON.parse(demo.directory) as { Resources: { userName?: string; active?: boolean }[] }
  ).Resources.filter((resource) => resource.userName !== undefined);
  const activeByEmail = new Map(users.map((user) => [user.userName!, user.active !== false]));
  const asOf = new Date(demo.manifest.asOf).getTime();
  const planted = new Set(
    demo.manifest.cases.peerOutliers.map(
      (outlier) => `${outlier.email}/${outlier.application}/${outlier.resource}`,
    ),
  );
  const holders = new Map<string, CsvRow[]>();
  for (const row of rows) {
    const key = `${row.application}/${row.resource_id}`;
    holders.set(key, [...(holders.get(key) ?? []), row]);
  }

  const kinds = new Map<string, 'remove' | 'closer_look' | 'none'>();
  for (const row of rows) {
    const active = activeByEmail.get(row.account_email!);
    const terminated = active === false;
    const orphaned = row.account_type === 'human' && active === undefined;
    const disabled = row.account_status === 'disabled';
    const unusedDays = Math.floor((asOf - Date.parse(row.last_login!)) / DAY_MS);
    const unused = unusedDays > config.unusedAfterDays;

    const highRisk = ['high', 'critical'].includes(row.resource_risk!);
    const outlier = planted.has(`${row.account_email}/${row.application}/${row.resource_id}`);
    const others = holders
      .get(`${row.application}/${row.resource_id}`)!
      .filter((other) => other !== row);
    const human = others.filter((other) => other.account_type === 'human').length;
    const humanStyle = row.account_type === 'service' && human > 0 && human / others.length >= 0.5;

    let kind: 'remove' | 'closer_look' | 'none' = 'none';
    if (terminated || orphaned || disabled || unused) kind = 'remove';
    else if (highRisk || outlier || humanStyle) kind = 'closer_look';
    kinds.set(`${row.application}/${row.account_id}/${row.resource_id}`, kind);
  }
  return kinds;
}

describe('insights of the demo organisation', () => {
  let demo: DemoOrganisation;
  let grants: StoredGrant[];
  let byGrant: Map<number, GrantInsights>;

  beforeAll(async () => {
    demo = await importDemo(db.orm, { seed: 3, identities: 400 });
    grants = await db.orm.em
      .fork()
      .getConnection()
      .execute<StoredGrant[]>(
        `select g.id, ap.key as application, a.external_id as account, r.external_id as resource
           from "grant" g
           join application ap on ap.id = g.application_id
           join account a on a.id = g.account_id
           join resource r on r.id = g.resource_id
          order by g.id`,
      );
    byGrant = await computeInsights(
      db.orm.em.fork(),
      grants.map((grant) => grant.id),
      DEFAULT_INSIGHTS_CONFIG,
      new Date(demo.manifest.asOf),
    );
  });

  const applicationGrants = () =>
    grants.filter((grant) => grant.application !== DEMO_DIRECTORY_APPLICATION);
  const insightsOf = (grant: StoredGrant) => byGrant.get(grant.id)!.insights;
  const accountsWhere = (test: (grant: StoredGrant) => boolean) =>
    new Set(
      applicationGrants()
        .filter(test)
        .map((grant) => `${grant.application}/${grant.account}`),
    ).size;

  it('covers every grant', () => {
    expect(byGrant.size).toBe(grants.length);
    expect(applicationGrants()).toHaveLength(demo.manifest.totalGrants);
  });

  it('counts each recommendation kind as expected', () => {
    const expected = expectedKinds(demo);
    const counts = { remove: 0, closer_look: 0, none: 0 };
    const expectedCounts = { remove: 0, closer_look: 0, none: 0 };
    for (const kind of expected.values()) expectedCounts[kind] += 1;
    for (const grant of applicationGrants())
      counts[byGrant.get(grant.id)!.recommendation.kind] += 1;

    expect(counts).toEqual(expectedCounts);
    const mismatched = applicationGrants().filter(
      (grant) =>
        byGrant.get(grant.id)!.recommendation.kind !==
        expected.get(`${grant.application}/${grant.account}/${grant.resource}`),
    );
    expect(mismatched).toEqual([]);
  });

  it('matches the manifest case by case', () => {
    const cases = demo.manifest.cases;
    expect(
      applicationGrants().filter((grant) => insightsOf(grant).identityStatus === 'terminated'),
    ).toHaveLength(cases.terminatedGrants);
    expect(accountsWhere((grant) => insightsOf(grant).orphaned === true)).toBe(
      cases.orphanedAccounts,
    );
    expect(accountsWhere((grant) => insightsOf(grant).accountType === 'service')).toBe(
      cases.serviceAccounts,
    );
    expect(accountsWhere((grant) => insightsOf(grant).accountDisabled === true)).toBe(
      cases.disabledAccountsWithGrants,
    );
    expect(
      accountsWhere((grant) => (insightsOf(grant).daysSinceLastUse ?? 0) >= DEMO_STALE_AFTER_DAYS),
    ).toBe(cases.staleAccounts);
  });

  it('removes every grant of a terminated person', () => {
    const terminated = applicationGrants().filter(
      (grant) => insightsOf(grant).identityStatus === 'terminated',
    );
    expect(terminated.length).toBeGreaterThan(0);
    for (const grant of terminated) {
      expect(byGrant.get(grant.id)!.recommendation.kind).toBe('remove');
    }
  });

  it('flags each planted peer outlier', async () => {
    const outliers = demo.manifest.cases.peerOutliers;
    expect(outliers.length).toBeGreaterThan(0);
    const emails = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number; email: string }[]>(
        'select g.id, a.email from "grant" g join account a on a.id = g.account_id',
      );
    const emailOf = new Map(emails.map((row) => [row.id, row.email]));
    for (const outlier of outliers) {
      const grant = applicationGrants().find(
        (candidate) =>
          candidate.application === outlier.application &&
          candidate.resource === outlier.resource &&
          emailOf.get(candidate.id) === outlier.email,
      );
      expect(grant, `${outlier.email} ${outlier.resource}`).toBeDefined();
      const { insights, recommendation } = byGrant.get(grant!.id)!;
      expect(insights.peers.department).toMatchObject({
        label: outlier.department,
        holding: 0,
      });
      expect(recommendation.reasons.some((reason) => reason.startsWith('Few peers'))).toBe(true);
    }
  });

  it('flags no other low-risk peer outlier', () => {
    const planted = demo.manifest.cases.peerOutliers.map(
      (outlier) => `${outlier.application}/${outlier.resource}`,
    );
    const lowRiskOutliers = applicationGrants().filter((grant) => {
      const { insights, recommendation } = byGrant.get(grant.id)!;
      return (
        ['low', 'medium'].includes(insights.riskLevel) &&
        recommendation.reasons.some((reason) => reason.startsWith('Few peers'))
      );
    });
    for (const grant of lowRiskOutliers) {
      expect(planted).toContain(`${grant.application}/${grant.resource}`);
    }
  });

  it('claims no inactivity without last-use data', () => {
    const directoryGrants = grants.filter(
      (grant) => grant.application === DEMO_DIRECTORY_APPLICATION,
    );
    expect(directoryGrants.length).toBeGreaterThan(0);
    for (const grant of directoryGrants) {
      const { insights, recommendation } = byGrant.get(grant.id)!;
      expect(insights.lastUsedAt).toBeUndefined();
      expect(insights.daysSinceLastUse).toBeUndefined();
      expect(recommendation.reasons.filter((reason) => reason.startsWith('Unused'))).toEqual([]);
    }
  });

  it('states the numbers behind an unused grant', () => {
    const unused = applicationGrants().find(
      (grant) =>
        (insightsOf(grant).daysSinceLastUse ?? 0) > 90 &&
        insightsOf(grant).identityStatus === 'active',
    )!;
    const { insights, recommendation } = byGrant.get(unused.id)!;
    expect(recommendation.reasons).toContain(
      `Unused for ${insights.daysSinceLastUse} days (last login ${insights.lastUsedAt!.slice(0, 10)}); the limit is 90 days.`,
    );
  });

  it('computes one grant like the whole set', async () => {
    const sample = applicationGrants().filter((_, index) => index % 97 === 0);
    for (const grant of sample) {
      const alone = await computeInsights(
        db.orm.em.fork(),
        [grant.id],
        DEFAULT_INSIGHTS_CONFIG,
        new Date(demo.manifest.asOf),
      );
      expect(alone.get(grant.id)).toEqual(byGrant.get(grant.id));
    }
  });

  it('skips unknown grant ids', async () => {
    const result = await computeInsights(db.orm.em.fork(), [-1, 2_000_000_000]);
    expect(result.size).toBe(0);
  });
});
