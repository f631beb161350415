import { raw } from 'hono/html';
import type { CampaignRecord } from '../../db/campaigns/campaign-repository.js';
import type { ClosePlan, PlannedClose } from '../../db/campaigns/close-plan.js';
import type { CampaignPreview } from '../../db/campaigns/preview.js';
import type {
  CampaignCounts,
  CampaignProgress,
  TaskListItem,
} from '../../db/campaigns/progress.js';
import type { CampaignRun } from '../../runtime/campaign-client.js';
import { BurndownChart } from './burndown-chart.js';
import { RULE_LABELS } from './campaign-form.js';
import { CsrfField, Notice, Time } from './components.js';
import { renderMarkdown } from './markdown.js';
import { revocationStatusText } from './task-forms.js';

export type PageMessage = { kind: 'ok' | 'error'; text: string };

const path = (id: number, rest = '') => `/campaigns/${id}${rest}`;

const GRANT_KINDS: Record<string, string> = {
  direct: 'Direct',
  inherited: 'Inherited',
  both: 'Direct and inherited',
};

/** Readable names of the counts a campaign close records. */
const CLOSE_COUNT_LABELS: Record<string, string> = {
  certify: 'certified',
  remove: 'removed',
  leaveOpen: 'expired without a decision',
  alreadyClosed: 'closed by a reviewer while the close ran',
  missing: 'task not found',
  rejected: 'rejected',
};

export function CampaignListPage(props: { campaigns: CampaignRecord[] }) {
  return (
    <>
      <h1>Campaigns</h1>
      <p>
        <a class="button primary" href="/campaigns/new">
          New campaign
        </a>
      </p>
      {props.campaigns.length === 0 ? (
        <p class="muted">No campaigns yet.</p>
      ) : (
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Status</th>
              <th scope="col">Tasks</th>
              <th scope="col">Due</th>
              <th scope="col">Owner</th>
            </tr>
          </thead>
          <tbody>
            {props.campaigns.map((campaign) => (
              <tr>
                <td>
                  <a href={path(campaign.id)}>{campaign.name}</a>
                </td>
                <td>{campaign.status}</td>
                <td>
                  {campaign.snapshotGrants === null
                    ? 'not previewed'
                    : String(campaign.snapshotGrants)}
                </td>
                <td>
                  <Time value={campaign.dueAt} />
                </td>
                <td>{campaign.ownerName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CampaignFacts(props: { campaign: CampaignRecord }) {
  const c = props.campaign;
  const list = (values: string[]) => (values.length ? values.join(', ') : 'all');
  return (
    <dl class="facts">
      <dt>Status</dt>
      <dd>{c.status}</dd>
      <dt>Policy</dt>
      <dd>{`${c.policyName} v${c.policyVersion}`}</dd>
      <dt>Owner</dt>
      <dd>{c.ownerName}</dd>
      <dt>Due</dt>
      <dd>
        <Time value={c.dueAt} />
      </dd>
      <dt>Tasks still open at the due date</dt>
      <dd>{RULE_LABELS[c.noResponseRule] ?? c.noResponseRule}</dd>
      <dt>Scope</dt>
      <dd>
        {`Applications: ${list(c.scope.applicationKeys)}. Resource types: ${list(c.scope.resourceTypes)}. Risk: ${list(c.scope.riskLevels)}. ${GRANT_KINDS[c.scope.grantKind] ?? c.scope.grantKind} grants held by ${c.scope.principalType === 'both' ? 'accounts and groups' : `${c.scope.principalType}s`}${c.scope.includeDisabledAccounts ? '' : ', without disabled accounts'}${c.scope.includeOrphanedAccounts ? '' : ', without orphaned accounts'}.`}
      </dd>
    </dl>
  );
}

function PostButton(props: {
  action: string;
  csrfToken: string;
  label: string;
  primary?: boolean;
}) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrfToken} />
      <button type="submit" class={props.primary ? 'primary' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

export function PreviewPage(props: { preview: CampaignPreview; csrfToken: string }) {
  const p = props.preview;
  const c = p.campaign;
  return (
    <>
      <h1>{`Preview: ${c.name}`}</h1>
      <p>
        <a href={path(c.id)}>Back to the campaign</a>
      </p>
      <p>
        {`Snapshot taken `}
        <Time value={c.snapshotAt} />
        {`: ${p.total} grants (${p.direct} direct, ${p.inherited} inherited). Reviewers found by the policy's rule for ${p.viaRule}, by its fallback for ${p.viaFallback}; ${p.unassigned === 1 ? '1 has' : `${p.unassigned} have`} no reviewer. Nobody has been notified yet.`}
      </p>
      {c.status === 'draft' ? (
        <div class="buttons">
          <PostButton
            action={path(c.id, '/launch')}
            csrfToken={props.csrfToken}
            label={`Launch ${p.total} review tasks`}
            primary={true}
          />
          <PostButton
            action={path(c.id, '/preview?refresh=1')}
            csrfToken={props.csrfToken}
            label="Take the snapshot again"
          />
        </div>
      ) : null}
      {p.warnings.length > 0 ? (
        <section aria-labelledby="preview-warnings-title">
          <h2 id="preview-warnings-title">Warnings</h2>
          {p.warnings.map((warning) => (
            <Notice kind="error">{warning}</Notice>
          ))}
        </section>
      ) : null}
      {p.unassigned > 0 ? (
        <section aria-labelledby="unassigned-title">
          <h2 id="unassigned-title">{`Grants without a reviewer (${p.unassigned})`}</h2>
          <Notice kind="error">
            These tasks start with nobody assigned; a campaign admin must reassign them.
          </Notice>
          {p.unassignedByReason.map((group) => (
            <details>
              <summary>{`${group.grants}: ${group.reason}`}</summary>
              <ul>
                {group.sample.map((grant) => (
                  <li>{`${grant.subjectName} · ${grant.applicationName} · ${grant.resourceName}`}</li>
                ))}
              </ul>
            </details>
          ))}
        </section>
      ) : null}
      <div class="task-columns">
        <CountTable title="Per application" rows={p.byApplication} />
        <CountTable
          title={`Per reviewer (${p.byReviewer.length} of ${p.reviewerCount})`}
          rows={p.byReviewer}
        />
      </div>
      <CountTable
        title={`Largest resources (${p.byResource.length} of ${p.resourceCount})`}
        rows={p.byResource.map((row) => ({ ...row, name: `${row.applicationName} · ${row.name}` }))}
      />
    </>
  );
}

function CountTable(props: { title: string; rows: { name: string; grants: number }[] }) {
  return (
    <section>
      <h2>{props.title}</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Grants</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr>
                <td>{row.name}</td>
                <td>{String(row.grants)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * Renders the launch progress bar. While the launch runs, htmx polls for a fresh copy every
 * second. The copy rendered once every task is open has no trigger, so polling stops.
 */
export function LaunchProgress(props: { progress: CampaignCounts; run: CampaignRun }) {
  const { progress, run } = props;
  const launching = progress.campaign.status === 'launching' || progress.opened < progress.total;
  const polling = launching
    ? {
        'hx-get': path(progress.campaign.id, '/progress'),
        'hx-trigger': 'every 1s',
        'hx-swap': 'outerHTML',
      }
    : {};
  const started = run.launch
    ? run.launch.started + run.launch.existing + run.launch.inBatch
    : progress.campaign.tasksStarted;
  return (
    <section id="launch-progress" class="bulk-status" aria-labelledby="launch-title" {...polling}>
      <h2 id="launch-title">
        {launching
          ? `Launching: ${progress.opened} of ${progress.total} tasks started`
          : `Launched: ${progress.opened} of ${progress.total} tasks started, ${progress.byStatus.open} open now`}
      </h2>
      <progress max={progress.total} value={progress.opened}>
        {`${progress.opened} of ${progress.total}`}
      </progress>
      <p aria-live="polite">
        {`Started: ${started} of ${progress.total}`}
        {run.launch && run.launch.attempt > 1 ? ` · attempt ${run.launch.attempt}` : ''}
        {run.launch?.lastFailure ? ` · last failure: ${run.launch.lastFailure}` : ''}
        {progress.campaign.digestsSentAt ? ' · digests sent' : ''}
      </p>
    </section>
  );
}

function TaskList(props: { title: string; items: TaskListItem[]; empty: string; total: number }) {
  return (
    <section>
      <h2>{`${props.title} (${props.total})`}</h2>
      {props.items.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ul>
          {props.items.map((item) => (
            <li>
              <a href={`/tasks/${encodeURIComponent(item.taskId)}`}>
                {item.summary ?? item.taskId}
              </a>
              {item.revocationStatus
                ? ` · removal ${revocationStatusText(item.revocationStatus)}`
                : ''}
              {item.stepDueAt ? (
                <>
                  {' · due '}
                  <Time value={item.stepDueAt} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function CampaignDashboard(props: {
  progress: CampaignProgress;
  run: CampaignRun;
  overdue: TaskListItem[];
  failed: TaskListItem[];
  removing: TaskListItem[];
  csrfToken: string;
  message?: PageMessage;
}) {
  const { progress } = props;
  const c = progress.campaign;
  const s = progress.byStatus;
  const live = c.status === 'launching' || c.status === 'active';
  return (
    <>
      <h1>{c.name}</h1>
      {props.message ? (
        <Notice kind={props.message.kind} focus={true}>
          {props.message.text}
        </Notice>
      ) : null}
      <CampaignFacts campaign={c} />
      {c.instructions ? (
        <details class="instructions">
          <summary>Instructions for reviewers</summary>
          <div class="markdown">{raw(renderMarkdown(c.instructions))}</div>
        </details>
      ) : null}
      <div class="buttons">
        {c.status === 'draft' && c.snapshotAt ? (
          <a class="button primary" href={path(c.id, '/preview')}>
            Preview and launch
          </a>
        ) : null}
        {c.status === 'draft' && !c.snapshotAt ? (
          <PostButton
            action={path(c.id, '/preview')}
            csrfToken={props.csrfToken}
            label="Preview the load (takes the snapshot of grants in scope)"
            primary={true}
          />
        ) : null}
        {c.status === 'active' ? (
          <PostButton
            action={path(c.id, '/remind')}
            csrfToken={props.csrfToken}
            label="Send reminders"
          />
        ) : null}
        {live ? (
          <a class="button" href={path(c.id, '/close')}>
            Close the campaign…
          </a>
        ) : null}
        {c.status !== 'draft' ? (
          <a class="button" href={path(c.id, '/evidence')} download="">
            Download evidence
          </a>
        ) : null}
      </div>
      {c.status === 'draft' ? null : (
        <>
          <LaunchProgress progress={progress} run={props.run} />
          <p>
            {`Open ${s.open} · certified ${s.certified} · removed ${s.removed} · expired ${s.expired} · canceled ${s.canceled}${progress.deleted ? ` · deleted ${progress.deleted}` : ''} · overdue ${progress.overdue} · removals in progress ${progress.removalsInProgress} · removals denied (access kept) ${progress.removalsDenied} · failed revocations ${progress.failedRevocations}`}
          </p>
          {c.closeSummary ? (
            <p>{`Closed by ${c.closedBy ?? 'unknown'} with rule ${c.closeRule}: ${Object.entries(
              c.closeSummary,
            )
              .map(([key, value]) => `${CLOSE_COUNT_LABELS[key] ?? key} ${value}`)
              .join(', ')}.`}</p>
          ) : null}
          {c.lastReminderAt ? (
            <p class="muted">
              {'Last reminder: '}
              <Time value={c.lastReminderAt} />
            </p>
          ) : null}
          <h2>Burndown</h2>
          <BurndownChart
            points={progress.burndown}
            total={progress.total}
            launchedAt={c.launchedAt}
            dueAt={c.dueAt}
          />
          <div class="task-columns">
            <section>
              <h2>Per application</h2>
              <div class="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Application</th>
                      <th scope="col">Not started</th>
                      <th scope="col">Open</th>
                      <th scope="col">Certified</th>
                      <th scope="col">Removed</th>
                      <th scope="col">Expired</th>
                    </tr>
                  </thead>
                  <tbody>
                    {progress.byApplication.map((row) => (
                      <tr>
                        <td>{row.applicationName}</td>
                        <td>{String(row.notStarted)}</td>
                        <td>{String(row.open)}</td>
                        <td>{String(row.certified)}</td>
                        <td>{String(row.removed)}</td>
                        <td>{String(row.expired)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <section>
              <h2>{`Per reviewer (${progress.byReviewer.length} of ${progress.reviewerCount})`}</h2>
              {/* Wide with emails, so keyboard users must be able to scroll it. */}
              <div class="table-scroll" tabindex={0} role="region" aria-label="Per reviewer">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Reviewer</th>
                      <th scope="col">Open</th>
                      <th scope="col">Overdue</th>
                      <th scope="col">Decided</th>
                      <th scope="col">Closed unanswered</th>
                    </tr>
                  </thead>
                  <tbody>
                    {progress.byReviewer.map((row) => (
                      <tr>
                        <td>
                          {row.name}
                          {row.email ? <span class="muted">{` ${row.email}`}</span> : null}
                        </td>
                        <td>{String(row.open)}</td>
                        <td>{String(row.overdue)}</td>
                        <td>{String(row.decided)}</td>
                        <td>{String(row.unanswered)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </div>
          <TaskList
            title="Overdue tasks"
            items={props.overdue}
            total={progress.overdue}
            empty="No task is past its step's due time."
          />
          <TaskList
            title="Failed revocations"
            items={props.failed}
            total={progress.failedRevocations}
            empty="No removal is in a failed state now."
          />
          <TaskList
            title="Removals in progress"
            items={props.removing}
            total={progress.removalsInProgress}
            empty="No removal is waiting for approval, for removal by hand or for the connector."
          />
        </>
      )}
    </>
  );
}

/** Renders the dry run of closing now, with the confirmation that closes the campaign. */
export function ClosePage(props: {
  plan: ClosePlan;
  sample: PlannedClose[];
  csrfToken: string;
  message?: PageMessage;
}) {
  const { plan } = props;
  const c = plan.campaign;
  return (
    <>
      <h1>{`Close ${c.name}`}</h1>
      {props.message ? (
        <Notice kind={props.message.kind} focus={true}>
          {props.message.text}
        </Notice>
      ) : null}
      <p>
        <a href={path(c.id)}>Back to the campaign</a>
      </p>
      <form method="get" action={path(c.id, '/close')} class="inline">
        <label for="close-rule">Rule for tasks still open</label>{' '}
        <select id="close-rule" name="rule">
          {Object.entries(RULE_LABELS).map(([rule, label]) => (
            <option value={rule} selected={plan.rule === rule}>
              {label}
            </option>
          ))}
        </select>{' '}
        <button type="submit">Show what this rule does</button>
      </form>
      <h2>{`Closing now would affect ${plan.open} open tasks`}</h2>
      <p>{`Certify ${plan.certify} · remove ${plan.remove} · leave the access as it is (task closed as expired) ${plan.leaveOpen}`}</p>
      {plan.warnings.map((warning) => (
        <Notice kind="error">{warning.message}</Notice>
      ))}
      {plan.unfinishedRemovals ? (
        <Notice kind="info">{plan.unfinishedRemovals.message}</Notice>
      ) : null}
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Certify</th>
              <th scope="col">Remove</th>
              <th scope="col">Leave open</th>
            </tr>
          </thead>
          <tbody>
            {plan.byApplication.map((row) => (
              <tr>
                <td>{row.applicationName}</td>
                <td>{String(row.certify)}</td>
                <td>{String(row.remove)}</td>
                <td>{String(row.leaveOpen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.sample.length > 0 ? (
        <details>
          <summary>{`The first ${props.sample.length} tasks and their outcome (recert campaign close ${c.id} --dry-run --list shows all)`}</summary>
          <ul>
            {props.sample.map((task) => (
              <li>{`${task.outcome}: ${task.subjectName} · ${task.applicationName} · ${task.resourceName}`}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <div
        class="notice error confirm"
        role="alertdialog"
        aria-labelledby="close-question"
        aria-describedby="close-consequence"
      >
        <p id="close-question">
          <strong>{`Close ${c.name} now?`}</strong>
        </p>
        <p id="close-consequence">
          Every open task is closed with the outcome above and accepts no more decisions. Removals
          start their revocation. This cannot be undone.
        </p>
        <form method="post" action={path(c.id, '/close')} class="stack">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="rule" value={plan.rule} />
          <input type="hidden" name="expectedOpen" value={String(plan.open)} />
          <label for="close-reason">Reason (kept in the task logs and the audit log)</label>
          <input id="close-reason" name="reason" type="text" />
          <label class="choice">
            <input type="checkbox" name="confirm" value="yes" required /> I have read what closing
            now does
          </label>
          <div class="buttons">
            <button type="submit" class="danger">
              Close the campaign
            </button>
          </div>
        </form>
      </div>
    </>
  );
}
