import type { Child } from 'hono/jsx';
import type { TaskLogEntry } from '../../workflows/task-state.js';
import type { LoadedTask, TaskView } from '../tasks/task-access.js';
import type { GrantFacts, IdentityName } from '../tasks/task-facts.js';
import { Notice, RiskFlag, StatusFlag, Time } from './components.js';
import { Insights } from './task-insights.js';
import {
  AdminActions,
  ReviewerActions,
  nameOf,
  RevocationSection,
  revocationStatusText,
  type ActionFormsProps,
} from './task-forms.js';
import { grantSource } from './task-row.js';

/** The result of the last action, shown at the top of the panel. */
export interface PanelMessage {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export interface TaskPageProps extends Omit<ActionFormsProps, 'view'> {
  loaded: LoadedTask;
  names: Map<number, IdentityName>;
  facts?: GrantFacts;
  message?: PanelMessage;
  /** A confirmation question that replaces the message (cancel and delete). */
  confirm?: Child;
}

const LOG_LABELS: Record<TaskLogEntry['type'], string> = {
  started: 'Task started',
  assigned: 'Assigned',
  certified: 'Certified',
  removed: 'Removed',
  reassigned: 'Reassigned',
  commented: 'Commented',
  reminder_requested: 'Reminder requested',
  reminded: 'Reminder sent',
  escalated: 'Escalated',
  step_skipped: 'Step skipped',
  restarted: 'Restarted',
  hard_reset: 'Hard reset',
  policy_changed: 'Policy changed',
  canceled: 'Canceled',
  processed: 'Processed now',
  insights_refreshed: 'Insights refreshed',
  closed_by_campaign: 'Closed by the campaign',
  revocation_started: 'Revocation started',
  revocation_updated: 'Revocation updated',
  revocation_reminded: 'Removal reminder sent',
  revocation_reminder_failed: 'Removal reminder failed',
  rejected: 'Action rejected',
  deleted: 'Deleted',
};

function describeEntry(entry: TaskLogEntry, names: Map<number, IdentityName>): string {
  const data = entry.data ?? {};
  const people = (value: unknown) =>
    Array.isArray(value) && value.length
      ? value.map((id) => nameOf(names, typeof id === 'number' ? id : null)).join(', ')
      : 'nobody';
  switch (entry.type) {
    case 'assigned':
      return `to ${people(data.assigneeIds)}${data.step ? ` for "${String(data.step)}"` : ''}`;
    case 'reassigned':
    case 'escalated':
      return `from ${people(data.from)} to ${people(data.to)}`;
    case 'reminder_requested':
    case 'reminded':
    case 'revocation_reminded':
      return `to ${people(data.to)}`;
    case 'revocation_reminder_failed':
      return `to ${people(data.to)}: ${String(data.error ?? '')}`;
    case 'revocation_updated':
      return `${revocationStatusText(String(data.status ?? ''))}${data.detail ? `: ${String(data.detail)}` : ''}`;
    case 'rejected':
      return `${String(data.action ?? '')}: ${String(data.reason ?? '')}`;
    case 'policy_changed':
    case 'hard_reset': {
      const to = data.to as { name?: string; version?: number } | undefined;
      return to?.name ? `to ${to.name}${to.version ? ` v${to.version}` : ' (latest)'}` : '';
    }
    default:
      return '';
  }
}

function TaskLog(props: { log: TaskLogEntry[]; names: Map<number, IdentityName> }) {
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Task log</h2>
      <table class="responsive log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Step</th>
            <th scope="col">Comment</th>
          </tr>
        </thead>
        <tbody>
          {props.log.map((entry) => (
            <tr>
              <td>
                <Time value={entry.at} precision="seconds" />
              </td>
              <td>{nameOf(props.names, entry.actorId)}</td>
              <td>
                <strong>{LOG_LABELS[entry.type] ?? entry.type}</strong>{' '}
                {describeEntry(entry, props.names)}
              </td>
              <td>
                {entry.stepIndex === null ? '' : `${entry.stepIndex + 1}`}
                <span class="muted">{` ${entry.policyName} v${entry.policyVersion}`}</span>
              </td>
              <td class="comment">{entry.comment ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Summary(props: { view: TaskView; names: Map<number, IdentityName> }) {
  const { view } = props;
  const s = view.subject;
  const assignees = view.resolvingReviewers
    ? 'being assigned'
    : view.assigneeIds.length
      ? view.assigneeIds.map((id) => nameOf(props.names, id)).join(', ')
      : 'nobody';
  return (
    <dl class="facts summary">
      <dt>Person</dt>
      <dd>{s.subjectName || 'No identity (orphaned account or group)'}</dd>
      <dt>{s.principalType === 'group' ? 'Group' : 'Account'}</dt>
      <dd>{s.accountName}</dd>
      <dt>Application</dt>
      <dd>{s.applicationName}</dd>
      <dt>Resource</dt>
      <dd>
        {s.resourceName} <span class="muted">{s.resourceType}</span>{' '}
        <RiskFlag level={s.riskLevel} />
      </dd>
      <dt>Grant source</dt>
      <dd>{grantSource({ ...s, groupName: s.accountName })}</dd>
      <dt>Campaign</dt>
      <dd>{view.campaignName || 'none'}</dd>
      <dt>Status</dt>
      <dd>
        <StatusFlag status={view.status} />
        {view.revocation ? ` · removal ${revocationStatusText(view.revocation.status)}` : ''}
      </dd>
      {!view.closed ? (
        <>
          <dt>Step</dt>
          <dd>
            {`${view.stepIndex + 1}${view.stepCount ? ` of ${view.stepCount}` : ''}${view.stepName ? `: ${view.stepName}` : ''}`}
          </dd>
          <dt>Assigned to</dt>
          <dd>{assignees}</dd>
          <dt>Due</dt>
          <dd>
            <Time value={view.stepDueAt} />
          </dd>
        </>
      ) : null}
      <dt>Policy</dt>
      <dd>{`${view.policyName} v${view.policyVersion}`}</dd>
    </dl>
  );
}

/**
 * Returns the page heading: the person and their account when the account belongs to an
 * identity, else the account or group alone, then the resource and its application.
 */
export function taskHeading(subject: TaskView['subject']): string {
  const { subjectIdentityId, subjectName, accountName } = subject;
  const holder =
    subjectIdentityId !== null && subjectName && subjectName !== accountName
      ? `${subjectName} (${accountName})`
      : accountName;
  return `${holder} · ${subject.resourceName} in ${subject.applicationName}`;
}

/**
 * Renders a task's detail panel: summary, insights, the actions the viewer may take, and the
 * task log. It is the whole page body and also the fragment htmx swaps in after each action.
 */
export function TaskPanel(props: TaskPageProps) {
  const { view } = props.loaded;
  return (
    <div id="task-panel">
      <p>
        <a href="/reviews">Back to my reviews</a>
      </p>
      <h1>{taskHeading(view.subject)}</h1>
      {view.notice ? <Notice kind="info">{view.notice}</Notice> : null}
      {props.confirm ? (
        props.confirm
      ) : props.message ? (
        <Notice kind={props.message.kind} focus>
          {props.message.text}
        </Notice>
      ) : null}
      <div class="task-columns">
        <div>
          <Summary view={view} names={props.names} />
          <Insights view={view} facts={props.facts} />
        </div>
        <div>
          <ReviewerActions {...props} view={view} />
          <RevocationSection {...props} view={view} />
          <AdminActions {...props} view={view} />
        </div>
      </div>
      <TaskLog log={view.log} names={props.names} />
    </div>
  );
}
