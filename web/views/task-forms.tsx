import type { Child } from 'hono/jsx';
import type {
  ConnectorCallRow,
  LoadedTask,
  RevocationAttempt,
  TaskView,
} from '../tasks/task-access.js';
import type { IdentityName } from '../tasks/task-facts.js';
import { CsrfField, Time } from './components.js';

export interface IdentityChoice {
  id: number;
  displayName: string;
  email: string | null;
  department: string | null;
}

export interface ActionFormsProps {
  view: TaskView;
  loaded: LoadedTask;
  names: Map<number, IdentityName>;
  csrfToken: string;
  /** Link to this task's workflow in the Temporal UI, when its URL is configured. */
  temporalUiLink?: string;
  policies: { name: string; version: number }[];
  reassign?: { query: string; results: IdentityChoice[] };
}

/** Returns an identity's display name, or "System" for entries no person made. */
export function nameOf(names: Map<number, IdentityName>, id: number | null): string {
  if (id === null) return 'System';
  return names.get(id)?.displayName ?? `Identity ${id}`;
}

export const taskPath = (id: string, action = '') =>
  `/tasks/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

/** Renders a form that posts to a task action; htmx swaps the response in for the panel. */
function ActionForm(props: {
  id: string;
  action: string;
  csrfToken: string;
  label: string;
  class?: string;
  children?: Child;
}) {
  const url = taskPath(props.id, props.action);
  return (
    <form
      method="post"
      action={url}
      hx-post={url}
      hx-target="#task-panel"
      hx-swap="outerHTML"
      class={props.class ?? 'stack'}
      aria-label={props.label}
    >
      <CsrfField token={props.csrfToken} />
      {props.children}
    </form>
  );
}

function commentLabel(required: { certify: boolean; remove: boolean }) {
  if (required.certify && required.remove) return 'Comment (required)';
  if (required.remove) return 'Comment (required to remove)';
  if (required.certify) return 'Comment (required to certify)';
  return 'Comment (optional)';
}

/** Decide, comment, reassign and remind, as far as the viewer may. */
export function ReviewerActions(props: ActionFormsProps) {
  const { view, loaded } = props;
  const rights = loaded.rights;
  if (!rights.decide && !rights.comment && !rights.reassign && !rights.remind) return null;
  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Your decision</h2>
      {rights.decide ? (
        <ActionForm id={view.id} action="decide" csrfToken={props.csrfToken} label="Decide">
          <input type="hidden" name="from" value="detail" />
          {view.insightsVersion !== undefined ? (
            <input type="hidden" name="seenInsightsVersion" value={String(view.insightsVersion)} />
          ) : null}
          <label for="decision-comment">{commentLabel(view.commentRequired)}</label>
          <textarea id="decision-comment" name="comment" rows={3} maxlength={4000}></textarea>
          <div class="buttons">
            <button type="submit" name="decision" value="certify" class="primary">
              Certify
            </button>
            <button type="submit" name="decision" value="remove" class="danger">
              Remove
            </button>
          </div>
        </ActionForm>
      ) : (
        <p class="muted">
          {view.closed ? 'This review is closed.' : 'You are not an assignee of the current step.'}
        </p>
      )}
      {rights.comment ? (
        <ActionForm id={view.id} action="comment" csrfToken={props.csrfToken} label="Comment">
          <label for="comment-text">Add a comment to the task log</label>
          <textarea id="comment-text" name="text" rows={2} maxlength={4000} required></textarea>
          <button type="submit">Add comment</button>
        </ActionForm>
      ) : null}
      {rights.reassign ? <ReassignForm {...props} /> : null}
      {rights.remind ? (
        <ActionForm id={view.id} action="remind" csrfToken={props.csrfToken} label="Send reminder">
          <button type="submit">Send a reminder to the assignees</button>
        </ActionForm>
      ) : null}
    </section>
  );
}

/** Renders the identities the reassign search found, as radio buttons of the reassign form. */
export function ReassignResults(props: { query: string; results: IdentityChoice[] }) {
  return (
    <div id="reassign-results" aria-live="polite">
      {props.query.trim().length < 2 ? (
        <p class="muted">Type at least two letters of a name or email.</p>
      ) : props.results.length === 0 ? (
        <p>No active identity matches.</p>
      ) : (
        <fieldset>
          <legend>Reassign to</legend>
          {props.results.map((identity) => (
            <label class="choice">
              <input
                type="radio"
                name="toIdentityId"
                value={String(identity.id)}
                form="reassign-form"
                required
              />
              {` ${identity.displayName}`}
              <span class="muted">
                {` ${[identity.email, identity.department].filter(Boolean).join(' · ')}`}
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

function ReassignForm(props: ActionFormsProps) {
  const { view } = props;
  const searchUrl = taskPath(view.id, 'reassign');
  const query = props.reassign?.query ?? '';
  return (
    <div class="reassign">
      <h3 id="reassign-title">Reassign</h3>
      <form
        method="get"
        action={searchUrl}
        hx-get={searchUrl}
        hx-target="#reassign-results"
        hx-swap="outerHTML"
        hx-trigger="input changed delay:300ms from:#reassign-query, submit"
        role="search"
        class="inline"
      >
        <label for="reassign-query">Find the new reviewer by name or email</label>
        <input id="reassign-query" name="q" type="search" value={query} autocomplete="off" />
        <button type="submit">Search</button>
      </form>
      <ReassignResults query={query} results={props.reassign?.results ?? []} />
      <form
        id="reassign-form"
        method="post"
        action={taskPath(view.id, 'reassign')}
        hx-post={taskPath(view.id, 'reassign')}
        hx-target="#task-panel"
        hx-swap="outerHTML"
        class="stack"
        aria-labelledby="reassign-title"
      >
        <CsrfField token={props.csrfToken} />
        <label for="reassign-reason">Reason for the reassignment</label>
        <textarea id="reassign-reason" name="reason" rows={2} maxlength={4000} required></textarea>
        <button type="submit">Reassign</button>
      </form>
    </div>
  );
}

const REVOCATION_STATUS_TEXT: Record<string, string> = {
  pending_approval: 'waiting for approval',
  denied: 'denied, the access stays',
  provisioning: 'in progress',
  awaiting_manual: 'waiting to be done by hand',
  revoked: 'done',
  verified: 'done and verified',
  verification_failed: 'reported done, but the check afterwards still finds the access',
  failed: 'failed, the access may still be there',
};

/** Returns a revocation status in words, followed by its code for searching the docs and logs. */
export function revocationStatusText(status: string): string {
  const text = REVOCATION_STATUS_TEXT[status];
  return text ? `${text} (${status})` : status;
}

const CALL_OUTCOMES: Record<string, string> = {
  ok: 'done',
  failed: 'failed, retried',
  exhausted: 'failed, no retries left',
  rejected: 'rejected, not retried',
  not_checked: 'not checked: the connector cannot read the target',
};

/** Renders the removal's calls to the connector's target, newest first, with their results. */
function ConnectorCalls(props: { calls: ConnectorCallRow[] }) {
  return (
    <details>
      <summary>{`Connector calls (${props.calls.length}${props.calls.length === 20 ? ', the latest' : ''})`}</summary>
      <div class="table-scroll" tabindex={0} role="region" aria-label="Connector calls">
        <table>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Call</th>
              <th scope="col">Idempotency key</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {props.calls.map((call) => (
              <tr>
                <td>
                  <Time value={call.startedAt} precision="seconds" />
                </td>
                <td>{call.call}</td>
                <td>{call.idempotencyKey ?? ''}</td>
                <td>{call.attempt}</td>
                <td>{CALL_OUTCOMES[call.outcome] ?? call.outcome}</td>
                <td>{call.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** Renders the failed connector call: the last error and when the next attempt runs. */
function RetryNotice(props: { attempt: RevocationAttempt }) {
  const { attempt, maximumAttempts, lastFailure, nextAttemptAt } = props.attempt;
  const of = maximumAttempts ? ` of ${maximumAttempts}` : '';
  return (
    <p class="notice error">
      {`The connector call failed and is being retried: attempt ${attempt}${of} is next. Last error: ${lastFailure}`}
      {nextAttemptAt ? (
        <>
          {' Next attempt at '}
          <Time value={nextAttemptAt} precision="seconds" />.
        </>
      ) : null}
    </p>
  );
}

/**
 * Revocation status, with approve/deny, "mark as provisioned", or the follow-up of a failed
 * removal for those who may.
 */
export function RevocationSection(props: ActionFormsProps) {
  const { view, loaded } = props;
  if (!view.revocation) return null;
  const revocation = loaded.revocation;
  const waitingFor = revocation?.awaitingFollowUp
    ? (revocation.followUpIds ?? [])
    : revocation?.status === 'pending_approval'
      ? revocation.approverIds
      : revocation?.status === 'awaiting_manual'
        ? revocation.provisionerIds
        : [];
  return (
    <section aria-labelledby="revocation-title">
      <h2 id="revocation-title">Revocation</h2>
      <p>
        {`Status: ${revocationStatusText(revocation?.status ?? view.revocation.status)}`}
        {(revocation?.detail ?? view.revocation.detail)
          ? ` · ${revocation?.detail ?? view.revocation.detail}`
          : ''}
      </p>
      {loaded.revocationAttempt ? <RetryNotice attempt={loaded.revocationAttempt} /> : null}
      {loaded.connectorCalls?.length ? <ConnectorCalls calls={loaded.connectorCalls} /> : null}
      {waitingFor.length > 0 ? (
        <p>{`Waiting for: ${waitingFor.map((id) => nameOf(props.names, id)).join(', ')}`}</p>
      ) : null}
      {loaded.rights.approveRevocation ? (
        <ActionForm
          id={view.id}
          action="revocation"
          csrfToken={props.csrfToken}
          label="Approve or deny the removal"
        >
          <label for="revocation-comment">Comment (required to deny)</label>
          <textarea id="revocation-comment" name="comment" rows={2} maxlength={4000}></textarea>
          <div class="buttons">
            <button type="submit" name="kind" value="approve" class="danger">
              Approve removal
            </button>
            <button type="submit" name="kind" value="deny">
              Deny removal
            </button>
          </div>
        </ActionForm>
      ) : null}
      {loaded.rights.markProvisioned ? (
        <ActionForm
          id={view.id}
          action="revocation"
          csrfToken={props.csrfToken}
          label="Mark as provisioned"
        >
          <p>Remove the access in the application by hand, then confirm it here.</p>
          <label for="provisioned-comment">Comment (optional)</label>
          <textarea id="provisioned-comment" name="comment" rows={2} maxlength={4000}></textarea>
          <button type="submit" name="kind" value="markProvisioned" class="primary">
            Mark as provisioned
          </button>
        </ActionForm>
      ) : null}
      {loaded.rights.confirmByHand ? (
        <ActionForm
          id={view.id}
          action="revocation"
          csrfToken={props.csrfToken}
          label="Confirm removed by hand"
        >
          <p>
            If you removed the access in the application by hand, confirm it here. The connector
            call stops.
          </p>
          <label for="by-hand-comment">How it was removed (required; kept as evidence)</label>
          <textarea
            id="by-hand-comment"
            name="comment"
            rows={2}
            maxlength={4000}
            required
          ></textarea>
          <button type="submit" name="kind" value="markProvisioned">
            Confirm removed by hand
          </button>
        </ActionForm>
      ) : null}
      {loaded.rights.followUpRevocation ? (
        <ActionForm
          id={view.id}
          action="revocation"
          csrfToken={props.csrfToken}
          label="Follow up the failed removal"
        >
          <p>
            The access may still be there. Retry the removal once the cause is fixed, or remove the
            access by hand and confirm it here.
          </p>
          <label for="follow-up-comment">Reason (required; kept as evidence)</label>
          <textarea
            id="follow-up-comment"
            name="comment"
            rows={2}
            maxlength={4000}
            required
          ></textarea>
          <div class="buttons">
            <button type="submit" name="kind" value="retry" class="primary">
              Retry the removal
            </button>
            <button type="submit" name="kind" value="markProvisioned">
              Confirm removed by hand
            </button>
          </div>
        </ActionForm>
      ) : null}
    </section>
  );
}

function AdminOnly() {
  return <span class="flag admin">Admin only</span>;
}

function ReasonField(props: { id: string }) {
  return (
    <>
      <label for={props.id}>Reason</label>
      <input id={props.id} name="reason" type="text" maxlength={4000} required />
    </>
  );
}

/** Renders one repair action: its fields and an admin-only button. */
function RepairForm(props: {
  view: TaskView;
  csrfToken: string;
  action: string;
  label: string;
  button: string;
  danger?: boolean;
  children?: Child;
}) {
  return (
    <ActionForm
      id={props.view.id}
      action={`admin/${props.action}`}
      csrfToken={props.csrfToken}
      label={props.label}
    >
      {props.children}
      <div class="buttons">
        <button type="submit" class={props.danger ? 'danger' : undefined}>
          {props.button} <AdminOnly />
        </button>
      </div>
    </ActionForm>
  );
}

/** Renders the repair actions for super admins, each marked admin-only. */
export function AdminActions(props: ActionFormsProps) {
  const { view, loaded } = props;
  if (loaded.rights.repairUnlisted) {
    return (
      <section aria-labelledby="admin-title" class="admin-actions">
        <h2 id="admin-title">
          Repair <AdminOnly />
        </h2>
        <p>
          This task accepts repairs only from the super admins named when its campaign was launched,
          and you were given the role later. Ask one of them, or launch later campaigns with you
          named.
        </p>
      </section>
    );
  }
  if (!loaded.rights.repair) return null;
  const open = !view.closed && view.source === 'workflow';
  const lastStep = view.stepCount !== null && view.stepIndex + 1 >= view.stepCount;
  const common = { view, csrfToken: props.csrfToken };
  return (
    <section aria-labelledby="admin-title" class="admin-actions">
      <h2 id="admin-title">
        Repair <AdminOnly />
      </h2>
      {props.temporalUiLink ? (
        <p>
          <a href={props.temporalUiLink} rel="noopener noreferrer" target="_blank">
            Workflow in the Temporal UI
          </a>
        </p>
      ) : null}
      {open ? (
        <>
          <RepairForm
            {...common}
            action="skip-step"
            label="Skip step"
            button={
              lastStep
                ? 'Skip the last step (closes the task as certified)'
                : 'Skip the current step'
            }
          >
            <ReasonField id="skip-reason" />
          </RepairForm>
          <RepairForm
            {...common}
            action="restart"
            label="Restart"
            button="Restart from the first step"
          >
            <ReasonField id="restart-reason" />
          </RepairForm>
          <RepairForm
            {...common}
            action="hard-reset"
            label="Hard reset"
            button="Hard reset to the latest policy version"
          >
            <ReasonField id="reset-reason" />
          </RepairForm>
          <RepairForm
            {...common}
            action="change-policy"
            label="Change policy"
            button="Change policy"
          >
            <label for="policy-name">Policy</label>
            <select id="policy-name" name="policyName" required>
              {props.policies.map((policy) => (
                <option value={policy.name} selected={policy.name === view.policyName}>
                  {`${policy.name} (latest v${policy.version})`}
                </option>
              ))}
            </select>
            <label for="policy-version">Version (empty for the latest)</label>
            <input id="policy-version" name="policyVersion" type="number" min={1} step={1} />
            <ReasonField id="policy-reason" />
          </RepairForm>
          <RepairForm {...common} action="process-now" label="Process now" button="Process now" />
          <RepairForm
            {...common}
            action="cancel"
            label="Cancel task"
            button="Cancel the task…"
            danger
          >
            <ReasonField id="cancel-reason" />
          </RepairForm>
        </>
      ) : null}
      <RepairForm {...common} action="delete" label="Delete task" button="Delete the task…" danger>
        <ReasonField id="delete-reason" />
      </RepairForm>
    </section>
  );
}

/** Asks before a destructive action; the confirming form posts again with `confirm=yes`. */
export function ConfirmBox(props: {
  id: string;
  action: string;
  csrfToken: string;
  question: string;
  consequence: string;
  confirmLabel: string;
  reason: string;
}) {
  return (
    <div
      class="notice error confirm"
      role="alertdialog"
      aria-labelledby="confirm-question"
      aria-describedby="confirm-consequence"
    >
      <p id="confirm-question" data-focus="" tabindex={-1}>
        <strong>{props.question}</strong>
      </p>
      <p id="confirm-consequence">{props.consequence}</p>
      <ActionForm
        id={props.id}
        action={props.action}
        csrfToken={props.csrfToken}
        label={props.confirmLabel}
        class="inline"
      >
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="reason" value={props.reason} />
        <button type="submit" class="danger">
          {props.confirmLabel}
        </button>{' '}
        <a href={taskPath(props.id)}>Keep the task</a>
      </ActionForm>
    </div>
  );
}
