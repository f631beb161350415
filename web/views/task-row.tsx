import type { TaskListRow } from '../tasks/task-list.js';
import { CsrfField, Notice, RecommendationFlag, RiskFlag, StatusFlag, Time } from './components.js';

/** Derives an id safe for HTML id attributes and CSS selectors from a task id. */
export function domId(prefix: string, taskId: string): string {
  return `${prefix}-${taskId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** The outcome a row shows after an action on it. */
export type RowOutcome =
  | { kind: 'applied'; text: string }
  | { kind: 'rejected' | 'unavailable'; text: string }
  | { kind: 'needs_comment'; text: string; decision: 'certify' | 'remove' };

export function grantSource(row: {
  inherited: boolean;
  grantedVia: string[];
  principalType: string | null;
  groupName?: string | null;
}): string {
  if (row.principalType === 'group') return `held by the group ${row.groupName ?? ''}`.trim();
  if (row.inherited) {
    return row.grantedVia.length ? `via ${row.grantedVia.join(', ')}` : 'inherited';
  }
  return 'direct';
}

/**
 * One task in a list. Its Certify and Remove buttons post to `/tasks/:id/decide` and htmx
 * replaces the row with the response; without JavaScript the form posts and the page reloads.
 */
export function TaskRow(props: {
  row: TaskListRow;
  viewerId: number;
  csrfToken: string;
  commentRequired: { certify: boolean; remove: boolean };
  outcome?: RowOutcome;
  /** Show the application in the row (lists not grouped by application). */
  showApplication?: boolean;
}) {
  const { row, outcome } = props;
  const titleId = domId('title', row.id);
  const actionable =
    row.status === 'open' &&
    row.assigneeIds.includes(props.viewerId) &&
    outcome?.kind !== 'applied';
  const needsComment =
    outcome?.kind === 'needs_comment' ||
    props.commentRequired.certify ||
    props.commentRequired.remove;
  const commentLabel =
    props.commentRequired.certify && props.commentRequired.remove
      ? 'Comment (required)'
      : props.commentRequired.remove
        ? 'Comment (required to remove)'
        : props.commentRequired.certify
          ? 'Comment (required to certify)'
          : 'Comment';
  const person = row.subjectName ?? (row.principalType === 'group' ? row.groupName : 'No identity');

  return (
    <li class="task" id={domId('task', row.id)}>
      <div class="task-main">
        <h3 class="task-title" id={titleId}>
          <a href={`/tasks/${encodeURIComponent(row.id)}`}>
            {`${row.accountName ?? row.groupName ?? 'Unknown account'} · ${row.resourceName ?? 'Unknown resource'}`}
          </a>
        </h3>
        <p class="task-facts">
          <span>{person}</span>
          {props.showApplication && row.applicationName ? <span>{row.applicationName}</span> : null}
          {row.resourceType ? <span>{row.resourceType}</span> : null}
          <span>{grantSource(row)}</span>
          {row.accountStatus && row.accountStatus !== 'enabled' ? (
            <span>{`account ${row.accountStatus}`}</span>
          ) : null}
          <RiskFlag level={row.riskLevel} />
          <RecommendationFlag kind={row.recommendation} />
          {row.status !== 'open' ? <StatusFlag status={row.status} /> : null}
          {row.status === 'open' && row.stepDueAt ? (
            <span>
              Due <Time value={row.stepDueAt} />
            </span>
          ) : null}
          {row.decidedByMe && row.status === 'open' && !row.assigneeIds.includes(props.viewerId) ? (
            <span>{`Decided by you; now at step ${row.stepIndex + 1}${row.stepName ? ` (${row.stepName})` : ''}`}</span>
          ) : null}
        </p>
      </div>
      {actionable ? (
        <div class="task-actions">
          <label class="select-task">
            <input
              type="checkbox"
              name="taskId"
              value={row.id}
              form="bulk"
              aria-describedby={titleId}
            />
            Select
          </label>
          <form
            method="post"
            action={`/tasks/${encodeURIComponent(row.id)}/decide`}
            hx-post={`/tasks/${encodeURIComponent(row.id)}/decide`}
            hx-target="closest li"
            hx-swap="outerHTML"
            class="decide"
          >
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="from" value="row" />
            {needsComment ? (
              <>
                <label for={domId('comment', row.id)}>{commentLabel}</label>
                <textarea
                  id={domId('comment', row.id)}
                  name="comment"
                  rows={2}
                  maxlength={4000}
                  data-focus={outcome?.kind === 'needs_comment' ? '' : undefined}
                ></textarea>
              </>
            ) : null}
            <button
              type="submit"
              name="decision"
              value="certify"
              class="primary"
              aria-describedby={titleId}
            >
              Certify
            </button>
            <button
              type="submit"
              name="decision"
              value="remove"
              class="danger"
              aria-describedby={titleId}
            >
              Remove
            </button>
          </form>
        </div>
      ) : null}
      {outcome ? (
        <Notice kind={outcome.kind === 'applied' ? 'ok' : 'error'} focus>
          {outcome.text}
        </Notice>
      ) : null}
    </li>
  );
}
