/**
 * Set-based resolution of a policy step's reviewers for every grant of a snapshot at once.
 * It reproduces `resolveReviewers` in activities/reviewers.ts, with the same reasons. First
 * come the rule's active identities without the subject (unless the step allows self-review),
 * then the step's fallback reviewers without the subject, and otherwise no assignee.
 * test/campaigns/reviewers.test.ts checks that both agree on the same data, so change them together.
 */
import type { PolicyStep } from '../../workflows/policy.js';

/** A SQL fragment with its parameters, in order of their `?` placeholders. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

const ACTIVE = `i.employment_status <> 'terminated'`;

/**
 * Active identity ids for a JSON array of emails, in the order given, one per email (the
 * highest id when two identities share an email). Empty array when none match.
 */
function idsByEmails(emails: string[]): SqlPart {
  return {
    sql: `coalesce((select array_agg(x.id order by x.ord) from (
             select e.ord, (select max(i.id) from identity i
                             where lower(i.email) = lower(e.email) and ${ACTIVE}) as id
               from jsonb_array_elements_text(?::jsonb) with ordinality e(email, ord)) x
            where x.id is not null), '{}'::int[])`,
    params: [JSON.stringify(emails)],
  };
}

/**
 * Builds the SQL of the rule's identity ids for one grant row, before the self-review filter.
 * The row has `subject_identity_id`, `application_id_` and `resource_id_` columns.
 */
function ruleIds(step: PolicyStep): SqlPart {
  const rule = step.reviewer;
  switch (rule.kind) {
    case 'manager':
      return {
        sql: `coalesce((select array_agg(i.id) from identity s join identity i on i.id = s.manager_id
                         where s.id = subject_identity_id and ${ACTIVE}), '{}'::int[])`,
        params: [],
      };
    case 'application_owner':
      return {
        sql: `coalesce((select array_agg(i.id order by i.id) from application_owner o
                          join identity i on i.id = o.identity_id
                         where o.application_id = application_id_ and ${ACTIVE}), '{}'::int[])`,
        params: [],
      };
    case 'resource_owner':
      return {
        sql: `coalesce((select array_agg(i.id order by i.id) from resource_owner o
                          join identity i on i.id = o.identity_id
                         where o.resource_id = resource_id_ and ${ACTIVE}), '{}'::int[])`,
        params: [],
      };
    case 'subject':
      return {
        sql: `case when subject_identity_id is null then '{}'::int[] else array[subject_identity_id] end`,
        params: [],
      };
    case 'identities':
      return idsByEmails(rule.emails);
    case 'group':
      return {
        sql: `coalesce((select array_agg(m.id order by m.id) from (
                 select distinct i.id from "grant" mg
                   join resource mr on mr.id = mg.resource_id
                   join application ma on ma.id = mr.application_id
                   join account mac on mac.id = mg.account_id
                   join identity i on i.id = mac.identity_id
                  where ma.key = ? and (mr.parent_name = ? or mr.parent_external_id = ?)
                    and coalesce(mr.slug, 'member') = 'member' and mg.removed_at is null
                    and ${ACTIVE}) m), '{}'::int[])`,
        params: [rule.application, rule.group, rule.group],
      };
  }
}

/**
 * Wraps `scoped` (a query with `subject_identity_id`, `application_id_` and `resource_id_`
 * columns) and adds `assignee_ids int[]`, `assigned_via` and `reviewer_reason`.
 */
export function resolveFirstStepSql(step: PolicyStep, scoped: SqlPart): SqlPart {
  const rule = ruleIds(step);
  const fallback = idsByEmails(step.fallbackReviewerEmails);
  const withoutSubject = (ids: string) =>
    step.allowSelfReview ? ids : `array_remove(${ids}, r.subject_identity_id)`;
  const kind = step.reviewer.kind;
  const onlySubject = `The ${kind} rule found only the subject, and self-review is not allowed.`;
  const nobody = `The ${kind} rule found no active reviewer.`;
  return {
    sql: `select s.*,
         case when cardinality(s.eligible) > 0 then s.eligible
              when cardinality(s.fallback_eligible) > 0 then s.fallback_eligible
              else '{}'::int[] end as assignee_ids,
         case when cardinality(s.eligible) > 0 then 'rule'
              when cardinality(s.fallback_eligible) > 0 then 'fallback'
              else 'none' end as assigned_via,
         case when cardinality(s.eligible) > 0 then null
              else (case when cardinality(s.rule_ids) > 0 then ? else ? end)
                || case when cardinality(s.fallback_eligible) > 0
                        then ' Assigned to the fallback reviewers.'
                        else ' The step has no usable fallback reviewer; a campaign administrator must reassign it.'
                   end end as reviewer_reason
       from (select r.*, ${withoutSubject('r.rule_ids')} as eligible,
                    ${withoutSubject('f.ids')} as fallback_eligible
               from (select q.*, ${rule.sql} as rule_ids from (${scoped.sql}) q) r
               cross join (select ${fallback.sql} as ids) f) s`,
    // Placeholders in text order: the reasons in the select list, then the FROM clause's.
    params: [onlySubject, nobody, ...rule.params, ...scoped.params, ...fallback.params],
  };
}
