import { REMOVAL_WAITING_STATUSES } from '../workflows/task-state.js';

/** SQL pieces shared by the searches of the web pages, the command line and the activities. */

/**
 * The SQL list of removal statuses that wait for people. The partial index
 * `review_task_removal_work_index` has the same list, so queries with it can use that index.
 */
export const REMOVAL_WAITING_SQL = `(${REMOVAL_WAITING_STATUSES.map((status) => `'${status}'`).join(', ')})`;

/** Returns an ILIKE pattern that matches `text` anywhere, with `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Returns SQL counting the open review tasks assigned to the identity in `identityIdColumn`. */
export function openReviewCountSql(identityIdColumn: string): string {
  return `(select count(*)::int from review_task t
            where t.status = 'open' and t.assignee_ids @> to_jsonb(${identityIdColumn}))`;
}
