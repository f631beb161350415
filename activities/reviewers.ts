import type { EntityManager } from '@mikro-orm/postgresql';
import type { PolicyStep, ReviewerRule } from '../workflows/policy.js';
import type { AssignedVia, TaskSubject } from '../workflows/task-state.js';

export interface ResolveReviewersInput {
  taskId: string;
  step: PolicyStep;
  subject: TaskSubject;
}

export interface ResolvedReviewers {
  assigneeIds: number[];
  via: AssignedVia;
  /** Why the fallback was used or why nobody was found, for the task log. */
  reason?: string;
}

type Row = { id: number };

/** Identity ids a reviewer rule points at for one grant; terminated identities excluded. */
async function idsForRule(
  em: EntityManager,
  rule: ReviewerRule,
  subject: TaskSubject,
): Promise<number[]> {
  const db = em.getConnection();
  const active = `and i.employment_status <> 'terminated'`;
  let rows: Row[] = [];
  switch (rule.kind) {
    case 'manager':
      if (subject.subjectIdentityId === null) return [];
      rows = await db.execute<Row[]>(
        `select i.id from identity s join identity i on i.id = s.manager_id where s.id = ? ${active}`,
        [subject.subjectIdentityId],
      );
      break;
    case 'application_owner':
      rows = await db.execute<Row[]>(
        `select i.id from application_owner o join identity i on i.id = o.identity_id
          where o.application_id = ? ${active} order by i.id`,
        [subject.applicationId],
      );
      break;
    case 'resource_owner':
      rows = await db.execute<Row[]>(
        `select i.id from resource_owner o join identity i on i.id = o.identity_id
          where o.resource_id = ? ${active} order by i.id`,
        [subject.resourceId],
      );
      break;
    case 'subject':
      return subject.subjectIdentityId === null ? [] : [subject.subjectIdentityId];
    case 'identities':
      return identityIdsByEmail(em, rule.emails);
    case 'group':
      // Members of a group are the identities whose accounts hold its membership resource.
      rows = await db.execute<Row[]>(
        `select distinct i.id from "grant" g
           join resource r on r.id = g.resource_id
           join application ap on ap.id = r.application_id
           join account a on a.id = g.account_id
           join identity i on i.id = a.identity_id
          where ap.key = ? and (r.parent_name = ? or r.parent_external_id = ?)
            and coalesce(r.slug, 'member') = 'member' and g.removed_at is null ${active}
          order by i.id`,
        [rule.application, rule.group, rule.group],
      );
      break;
  }
  return rows.map((row) => row.id);
}

/** Active identities with these emails (case-insensitive), in the order given. */
export async function identityIdsByEmail(em: EntityManager, emails: string[]): Promise<number[]> {
  if (emails.length === 0) return [];
  const lowered = emails.map((email) => email.toLowerCase());
  const rows = await em.getConnection().execute<{ id: number; email: string }[]>(
    `select id, lower(email) as email from identity
        where lower(email) in (?) and employment_status <> 'terminated'`,
    [lowered],
  );
  const byEmail = new Map(rows.map((row) => [row.email, row.id]));
  return lowered.flatMap((email) => (byEmail.has(email) ? [byEmail.get(email)!] : []));
}

/**
 * Resolves a step's reviewers. The subject never reviews their own access unless the step
 * allows self-review; when the rule finds nobody else, the step goes to its fallback.
 */
export async function resolveReviewers(
  em: EntityManager,
  input: ResolveReviewersInput,
): Promise<ResolvedReviewers> {
  const { step, subject } = input;
  const withoutSubject = (ids: number[]) =>
    step.allowSelfReview ? ids : ids.filter((id) => id !== subject.subjectIdentityId);

  const byRule = await idsForRule(em, step.reviewer, subject);
  const eligible = withoutSubject(byRule);
  if (eligible.length > 0) return { assigneeIds: eligible, via: 'rule' };

  const why =
    byRule.length > 0
      ? `The ${step.reviewer.kind} rule found only the subject, and self-review is not allowed.`
      : `The ${step.reviewer.kind} rule found no active reviewer.`;
  const fallback = withoutSubject(await identityIdsByEmail(em, step.fallbackReviewerEmails));
  if (fallback.length > 0)
    return {
      assigneeIds: fallback,
      via: 'fallback',
      reason: `${why} Assigned to the fallback reviewers.`,
    };
  return {
    assigneeIds: [],
    via: 'none',
    reason: `${why} The step has no usable fallback reviewer; a campaign administrator must reassign it.`,
  };
}
