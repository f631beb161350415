import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SNAPSHOT_ROW_COLUMNS,
  subjectOf,
  type SnapshotRow,
} from '../../activities/campaigns/task-inputs.js';
import { resolveReviewers } from '../../activities/reviewers.js';
import { createCampaign } from '../../db/campaigns/campaign-repository.js';
import { parseCampaignDefinition } from '../../db/campaigns/campaign-schema.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import type { PolicyStep, ReviewerRule } from '../../workflows/policy.js';
import { useTestDatabase } from '../support/database.js';
import { publishPolicy, step } from '../support/fixtures.js';

const db = useTestDatabase();
const tag = randomBytes(4).toString('hex');
const email = (name: string) => `${name}-${tag}@example.test`;
const ids: Record<string, number> = {};
let applicationKey = '';

async function sql<T extends object[]>(text: string, params: unknown[] = []): Promise<T> {
  return db.orm.em.fork().getConnection().execute<T>(text, params);
}

/**
 * One application with every case the reviewer rules treat specially. It has terminated
 * managers and owners, a subject who is their own manager, a subject who owns the application,
 * the fallback reviewer as a subject, an orphaned account, and a group with a grant.
 */
beforeAll(async () => {
  const person = async (name: string, status = 'active', managerId: number | null = null) => {
    const [row] = await sql<{ id: number }[]>(
      `insert into identity (external_key, email, display_name, employment_status, manager_id)
       values (?, ?, ?, ?, ?) returning id`,
      [email(name), email(name), `${name} ${tag}`, status, managerId],
    );
    ids[name] = row!.id;
    return row!.id;
  };
  await person('manager');
  await person('leaverManager', 'terminated');
  await person('owner');
  await person('leaverOwner', 'terminated');
  await person('resourceOwner');
  await person('fallback');
  await person('leaverFallback', 'terminated');
  await person('withManager', 'active', ids.manager!);
  await person('withLeaverManager', 'active', ids.leaverManager!);
  await person('noManager');
  const self = await person('ownManager');
  await sql('update identity set manager_id = ? where id = ?', [self, self]);
  await person('teamMember', 'active', ids.manager!);

  applicationKey = `app-${tag}`;
  const [app] = await sql<{ id: number }[]>(
    `insert into application (key, name) values (?, ?) returning id`,
    [applicationKey, `App ${tag}`],
  );
  for (const owner of ['owner', 'leaverOwner'])
    await sql('insert into application_owner (application_id, identity_id) values (?, ?)', [
      app!.id,
      ids[owner],
    ]);
  const resource = async (externalId: string, parent: string, slug: string) => {
    const [row] = await sql<{ id: number }[]>(
      `insert into resource (application_id, external_id, display_name, resource_type, parent_name,
         parent_external_id, slug) values (?, ?, ?, 'group', ?, ?, ?) returning id`,
      [app!.id, externalId, `${parent} · ${slug}`, parent, parent, slug],
    );
    return row!.id;
  };
  const admins = await resource(`admins-${tag}:member`, `admins-${tag}`, 'member');
  const team = await resource(`team-${tag}:member`, `team-${tag}`, 'member');
  await sql('insert into resource_owner (resource_id, identity_id) values (?, ?), (?, ?)', [
    admins,
    ids.resourceOwner,
    admins,
    ids.withManager,
  ]);
  const [group] = await sql<{ id: number }[]>(
    `insert into principal_group (application_id, external_id, display_name) values (?, ?, ?) returning id`,
    [app!.id, `group-${tag}`, `Group ${tag}`],
  );

  const holders = [
    'withManager',
    'withLeaverManager',
    'noManager',
    'ownManager',
    'owner',
    'fallback',
    'resourceOwner',
    'teamMember',
    null,
  ];
  for (const [index, holder] of holders.entries()) {
    const [account] = await sql<{ id: number }[]>(
      `insert into account (application_id, external_id, login, display_name, identity_id)
       values (?, ?, ?, ?, ?) returning id`,
      [
        app!.id,
        `acct-${index}-${tag}`,
        `acct${index}`,
        `Account ${index}`,
        holder ? ids[holder] : null,
      ],
    );
    const held = holder === 'teamMember' || holder === 'withManager' ? [admins, team] : [admins];
    for (const resourceId of held)
      await sql(
        `insert into "grant" (application_id, resource_id, principal_type, account_id, external_id)
         values (?, ?, 'account', ?, ?)`,
        [app!.id, resourceId, account!.id, `g-${index}-${resourceId}`],
      );
  }
  await sql(
    `insert into "grant" (application_id, resource_id, principal_type, group_id, external_id, inherited)
     values (?, ?, 'group', ?, ?, false)`,
    [app!.id, admins, group!.id, `g-group-${tag}`],
  );
  await sql('insert into identity (external_key, email, display_name) values (?, ?, ?)', [
    `owner2-${tag}`,
    email('campaignOwner'),
    'Campaign owner',
  ]);
});

const fallbacks = {
  none: [] as string[],
  active: ['fallback'],
  leaverThenActive: ['leaverFallback', 'fallback'],
  onlyLeaver: ['leaverFallback'],
};

const rules: { label: string; rule: () => ReviewerRule }[] = [
  { label: 'manager', rule: () => ({ kind: 'manager' }) },
  { label: 'application owner', rule: () => ({ kind: 'application_owner' }) },
  { label: 'resource owner', rule: () => ({ kind: 'resource_owner' }) },
  { label: 'subject', rule: () => ({ kind: 'subject' }) },
  {
    label: 'identities',
    rule: () => ({
      kind: 'identities',
      emails: [email('leaverOwner'), email('withManager'), email('owner'), email('withManager')],
    }),
  },
  {
    label: 'group',
    rule: () => ({ kind: 'group', application: applicationKey, group: `team-${tag}` }),
  },
];

async function compare(policyStep: PolicyStep) {
  const policy = await publishPolicy(db.orm, {
    steps: [policyStep],
    revocation: { mode: 'manual' },
  });
  const em = db.orm.em.fork();
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: `Reviewers ${policy.name}`,
      policy: policy.name,
      owner: email('campaignOwner'),
      dueAt: new Date(Date.now() + 86_400_000),
      scope: { applications: [applicationKey], principalType: 'both' },
    }),
    'test',
  );
  await takeSnapshot(em, campaign.id);
  const rows = await sql<(SnapshotRow & { reviewer_reason: string | null })[]>(
    `select ${SNAPSHOT_ROW_COLUMNS}, cg.reviewer_reason, false as projected
       from campaign_grant cg where cg.campaign_id = ? order by cg.seq`,
    [campaign.id],
  );
  expect(rows.length).toBe(12);
  for (const row of rows) {
    const single = await resolveReviewers(db.orm.em.fork(), {
      taskId: row.task_id,
      step: policyStep,
      subject: subjectOf(row),
    });
    const where = `grant ${row.grant_id} (${row.subject_name})`;
    expect(row.assignee_ids, where).toEqual(single.assigneeIds);
    expect(row.assigned_via, where).toBe(single.via);
    expect(row.reviewer_reason, where).toBe(single.reason ?? null);
  }
  return rows;
}

describe('set-based reviewer resolution', () => {
  for (const { label, rule } of rules) {
    for (const [fallbackLabel, names] of Object.entries(fallbacks)) {
      it(`matches the activity: ${label} rule, ${fallbackLabel} fallback`, async () => {
        await compare(
          step({ reviewer: rule(), fallbackReviewerEmails: names.map((name) => email(name)) }),
        );
      });
    }
    it(`matches the activity: ${label} rule with self-review allowed`, async () => {
      await compare(
        step({
          reviewer: rule(),
          fallbackReviewerEmails: [email('fallback')],
          allowSelfReview: true,
        }),
      );
    });
  }

  it('covers rule, fallback and nobody on the same data', async () => {
    const rows = await compare(
      step({ reviewer: { kind: 'manager' }, fallbackReviewerEmails: [email('fallback')] }),
    );
    const via = new Set(rows.map((row) => row.assigned_via));
    expect(via).toEqual(new Set(['rule', 'fallback', 'none']));
  });
});
