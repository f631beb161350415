import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { PolicyRepository } from '../../db/policy-repository.js';
import type { PolicyDefinition, PolicyStep, PolicyVersion } from '../../workflows/policy.js';
import type { ReviewTaskInput, TaskSubject } from '../../workflows/task-state.js';

/** A small organisation for one test: people with roles, one application, one grant. */
export interface Organisation {
  ids: {
    subject: number;
    manager: number;
    appOwner: number;
    approver: number;
    superAdmin: number;
    campaignAdmin: number;
    outsider: number;
    fallback: number;
  };
  emails: Record<keyof Organisation['ids'], string>;
  applicationId: number;
  subject: TaskSubject;
}

/**
 * Inserts identities, an application, a resource, an account and a grant with unique names,
 * so many tests can share one database without seeing each other's rows.
 */
export async function seedOrganisation(
  orm: MikroORM,
  options: { subjectManagerIsSelf?: boolean } = {},
): Promise<Organisation> {
  const tag = randomBytes(4).toString('hex');
  const db = orm.em.fork().getConnection();
  const names = [
    'subject',
    'manager',
    'appOwner',
    'approver',
    'superAdmin',
    'campaignAdmin',
    'outsider',
    'fallback',
  ] as const;
  const ids = {} as Organisation['ids'];
  const emails = {} as Organisation['emails'];
  for (const name of names) {
    const email = `${name.toLowerCase()}-${tag}@example.test`;
    const [row] = await db.execute<{ id: number }[]>(
      `insert into identity (external_key, email, display_name, department) values (?, ?, ?, 'Engineering') returning id`,
      [email, email, `${name} ${tag}`],
    );
    ids[name] = row!.id;
    emails[name] = email;
  }
  const managerId = options.subjectManagerIsSelf ? ids.subject : ids.manager;
  await db.execute('update identity set manager_id = ? where id = ?', [managerId, ids.subject]);

  const [app] = await db.execute<{ id: number }[]>(
    `insert into application (key, name, risk_level) values (?, ?, 'high') returning id`,
    [`app-${tag}`, `App ${tag}`],
  );
  await db.execute('insert into application_owner (application_id, identity_id) values (?, ?)', [
    app!.id,
    ids.appOwner,
  ]);
  const [resource] = await db.execute<{ id: number }[]>(
    `insert into resource (application_id, external_id, display_name, resource_type, parent_external_id, slug, risk_level)
     values (?, ?, ?, 'group', ?, 'member', 'high') returning id`,
    [app!.id, `group-${tag}:member`, `Admins ${tag} · member`, `group-${tag}`],
  );
  const [account] = await db.execute<{ id: number }[]>(
    `insert into account (application_id, external_id, login, email, display_name, identity_id)
     values (?, ?, ?, ?, ?, ?) returning id`,
    [app!.id, `user-${tag}`, `subject-${tag}`, emails.subject, `subject ${tag}`, ids.subject],
  );
  const [grant] = await db.execute<{ id: number }[]>(
    `insert into "grant" (application_id, resource_id, principal_type, account_id, external_id)
     values (?, ?, 'account', ?, ?) returning id`,
    [app!.id, resource!.id, account!.id, `grant-${tag}`],
  );

  return {
    ids,
    emails,
    applicationId: app!.id,
    subject: {
      grantId: grant!.id,
      applicationId: app!.id,
      applicationKey: `app-${tag}`,
      applicationName: `App ${tag}`,
      resourceId: resource!.id,
      resourceExternalId: `group-${tag}`,
      resourceName: `Admins ${tag} · member`,
      resourceType: 'group',
      riskLevel: 'high',
      principalType: 'account',
      accountId: account!.id,
      accountExternalId: `user-${tag}`,
      accountName: `subject-${tag}`,
      subjectIdentityId: ids.subject,
      subjectName: `subject ${tag}`,
      inherited: false,
      grantedVia: [],
    },
  };
}

export function step(overrides: Partial<PolicyStep> = {}): PolicyStep {
  return {
    name: 'Manager review',
    reviewer: { kind: 'manager' },
    fallbackReviewerEmails: [],
    due: '7d',
    commentRequired: { certify: false, remove: false },
    allowSelfReview: false,
    ...overrides,
  };
}

/** Publishes a policy under a unique name and returns its pinned version. */
export async function publishPolicy(
  orm: MikroORM,
  definition: Omit<PolicyDefinition, 'name'> & { name?: string },
): Promise<PolicyVersion> {
  const name = definition.name ?? `policy-${randomBytes(4).toString('hex')}`;
  const { policy } = await new PolicyRepository(orm.em.fork()).publish(
    { ...definition, name },
    'test',
  );
  return policy;
}

export function taskInput(
  org: Organisation,
  policy: PolicyVersion,
  overrides: Partial<ReviewTaskInput> = {},
): ReviewTaskInput {
  return {
    taskId: `task-${randomBytes(5).toString('hex')}`,
    campaignId: null,
    campaignName: 'Test campaign',
    subject: org.subject,
    policy,
    campaignOwnerId: org.ids.campaignAdmin,
    campaignAdminIds: [org.ids.campaignAdmin],
    superAdminIds: [org.ids.superAdmin],
    revocationRetry: { initialIntervalMs: 100, maximumAttempts: 3 },
    ...overrides,
  };
}

/** Messages stored in the outbox for one identity, oldest first. */
export function outboxMessages(orm: MikroORM, recipientId: number) {
  return orm.em
    .fork()
    .getConnection()
    .execute<{ subject: string; body: string }[]>(
      'select subject, body from outbox_message where recipient_identity_id = ? order by id',
      [recipientId],
    );
}
