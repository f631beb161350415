/** SQL pieces shared by the searches of the web pages and the command line. */

/** Returns an ILIKE pattern that matches `text` anywhere, with `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Returns SQL counting the open review tasks assigned to the identity in `identityIdColumn`. */
export function openReviewCountSql(identityIdColumn: string): string {
  return `(select count(*)::int from review_task t
            where t.status = 'open' and t.assignee_ids @> to_jsonb(${identityIdColumn}))`;
}
