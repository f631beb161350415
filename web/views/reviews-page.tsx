import { raw } from 'hono/html';
import type {
  CampaignInfo,
  RemovalWork,
  ReviewView,
  TaskFilters,
  TaskListRow,
} from '../tasks/task-list.js';
import { RECOMMENDATIONS, RISK_LEVELS, STATUS_FILTERS } from '../tasks/task-list.js';
import { policyStep } from '../tasks/policy-steps.js';
import { CsrfField, Pagination, Time, urlWith } from './components.js';
import { renderMarkdown } from './markdown.js';
import { TaskRow } from './task-row.js';
import { removalRequest } from '../../workflows/task-view.js';

export const VIEW_LABELS: Record<ReviewView, string> = {
  by_application: 'By application',
  by_user: 'By user',
  unstructured: 'All in one list',
};

const STATUS_LABELS: Record<(typeof STATUS_FILTERS)[number], string> = {
  open: 'To do',
  done: 'Done',
  all: 'All',
};

export interface ReviewsPageProps {
  csrfToken: string;
  viewerId: number;
  filters: TaskFilters;
  view: ReviewView;
  page: number;
  rows: TaskListRow[];
  total: number;
  pageSize: number;
  counts: { open: number; done: number };
  campaigns: { id: number; name: string }[];
  applications: { id: number; name: string }[];
  instructions: CampaignInfo[];
  /** The by-user view's current person, 1-based, with the people list. */
  person?: { index: number; count: number; name: string };
  canSeeAll: boolean;
  /** Removals that wait for the viewer's approval or manual provisioning. */
  removals: RemovalWork[];
}

/** Query values that reproduce the current filters and view. */
export function filterQuery(filters: TaskFilters, view: ReviewView) {
  return {
    campaign: filters.campaignId,
    application: filters.applicationId,
    risk: filters.risk,
    recommendation: filters.recommendation,
    status: filters.status === 'open' ? undefined : filters.status,
    scope: filters.scope === 'mine' ? undefined : filters.scope,
    view,
  };
}

/** Renders the open and done counts, which htmx refreshes after a decision or a bulk job. */
export function ReviewCounts(props: { counts: { open: number; done: number }; href: string }) {
  return (
    <p
      id="review-counts"
      class="counts"
      hx-get={props.href}
      hx-trigger="task-decided from:body, tasks-changed from:body"
      hx-swap="outerHTML"
      aria-live="polite"
    >
      <strong>{props.counts.open}</strong> open · <strong>{props.counts.done}</strong> done
    </p>
  );
}

/** Removals waiting for the viewer, each linking to the task page where they act. */
function RemovalList(props: { removals: RemovalWork[] }) {
  if (props.removals.length === 0) return null;
  return (
    <section aria-labelledby="removals-title">
      <h2 id="removals-title">{`Removals waiting for you (${props.removals.length})`}</h2>
      <ul>
        {props.removals.map((removal) => (
          <li>
            <a href={`/tasks/${encodeURIComponent(removal.taskId)}`}>{removal.summary}</a>
            {` · ${removalRequest(removal.status)}`}
            {' · since '}
            <Time value={removal.since} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Instructions(props: { campaigns: CampaignInfo[] }) {
  if (props.campaigns.length === 0) return null;
  if (props.campaigns.length === 1) {
    const campaign = props.campaigns[0]!;
    return (
      <section class="instructions" aria-labelledby="instructions-title">
        <h2 id="instructions-title">{`Instructions: ${campaign.name}`}</h2>
        {campaign.dueAt ? (
          <p class="muted">
            Due <Time value={campaign.dueAt} />
          </p>
        ) : null}
        <div class="markdown">{raw(renderMarkdown(campaign.instructions))}</div>
      </section>
    );
  }
  return (
    <section class="instructions" aria-labelledby="instructions-title">
      <h2 id="instructions-title">Campaign instructions</h2>
      {props.campaigns.map((campaign) => (
        <details>
          <summary>{campaign.name}</summary>
          <div class="markdown">{raw(renderMarkdown(campaign.instructions))}</div>
        </details>
      ))}
    </section>
  );
}

function Filters(props: ReviewsPageProps) {
  const f = props.filters;
  return (
    <form method="get" action="/reviews" class="filters" aria-label="Filters">
      <input type="hidden" name="view" value={props.view} />
      <div>
        <label for="f-campaign">Campaign</label>
        <select id="f-campaign" name="campaign">
          <option value="">All campaigns</option>
          {props.campaigns.map((c) => (
            <option value={String(c.id)} selected={f.campaignId === c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-application">Application</label>
        <select id="f-application" name="application">
          <option value="">All applications</option>
          {props.applications.map((a) => (
            <option value={String(a.id)} selected={f.applicationId === a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-risk">Risk</label>
        <select id="f-risk" name="risk">
          <option value="">Any risk</option>
          {RISK_LEVELS.map((level) => (
            <option value={level} selected={f.risk === level}>
              {level}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-recommendation">Recommendation</label>
        <select id="f-recommendation" name="recommendation">
          <option value="">Any recommendation</option>
          {RECOMMENDATIONS.map((kind) => (
            <option value={kind} selected={f.recommendation === kind}>
              {kind === 'remove'
                ? 'Remove this access'
                : kind === 'closer_look'
                  ? 'Take a closer look'
                  : 'None'}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-status">Status</label>
        <select id="f-status" name="status">
          {STATUS_FILTERS.map((status) => (
            <option value={status} selected={f.status === status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </div>
      {props.canSeeAll ? (
        <div>
          <label for="f-scope">Tasks</label>
          <select id="f-scope" name="scope">
            <option value="mine" selected={f.scope === 'mine'}>
              Mine
            </option>
            <option value="all" selected={f.scope === 'all'}>
              Everyone’s (administrators)
            </option>
          </select>
        </div>
      ) : null}
      <div class="filter-submit">
        <button type="submit">Apply filters</button>
      </div>
    </form>
  );
}

function ViewSwitch(props: { filters: TaskFilters; view: ReviewView }) {
  return (
    <nav class="view-switch" aria-label="Views">
      <ul>
        {(Object.keys(VIEW_LABELS) as ReviewView[]).map((view) => (
          <li>
            <a
              href={urlWith('/reviews', filterQuery(props.filters, view))}
              aria-current={view === props.view ? 'page' : undefined}
            >
              {VIEW_LABELS[view]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Renders the bulk form; row checkboxes join it through their `form` attribute. */
function BulkForm(props: ReviewsPageProps) {
  if (props.filters.status === 'done') return null;
  const q = filterQuery(props.filters, props.view);
  return (
    <form
      id="bulk"
      method="post"
      action="/bulk"
      hx-post="/bulk"
      hx-target="#bulk-status"
      hx-swap="outerHTML"
      class="bulk"
      aria-labelledby="bulk-title"
    >
      <h2 id="bulk-title">Decide several tasks at once</h2>
      <CsrfField token={props.csrfToken} />
      {Object.entries(q).map(([name, value]) =>
        value === undefined ? null : (
          <input type="hidden" name={`filter_${name}`} value={String(value)} />
        ),
      )}
      <fieldset>
        <legend>Decision</legend>
        <label class="inline">
          <input type="radio" name="decision" value="certify" required /> Certify
        </label>
        <label class="inline">
          <input type="radio" name="decision" value="remove" required /> Remove
        </label>
        <label class="inline">
          <input type="radio" name="decision" value="accept_recommendations" required /> Accept
          recommendations: remove where “remove this access” is recommended, skip the others
        </label>
      </fieldset>
      <label for="bulk-comment">Comment, posted on each task</label>
      <textarea id="bulk-comment" name="comment" rows={2} maxlength={4000}></textarea>
      <label class="inline">
        <input type="checkbox" name="scope" value="all_matching" />
        {` Apply to all ${props.counts.open} open tasks matching the filters, not only the selected ones`}
      </label>
      <button type="submit" class="primary">
        Apply to selected tasks
      </button>
      <div id="bulk-status"></div>
    </form>
  );
}

function groupByApplication(rows: TaskListRow[]) {
  const groups: { key: string; name: string; rows: TaskListRow[] }[] = [];
  for (const row of rows) {
    const key = String(row.applicationId ?? 'none');
    let group = groups.at(-1);
    if (!group || group.key !== key) {
      group = { key, name: row.applicationName ?? 'No application', rows: [] };
      groups.push(group);
    }
    group.rows.push(row);
  }
  return groups;
}

function TaskList(props: ReviewsPageProps & { rows: TaskListRow[]; showApplication: boolean }) {
  return (
    <ul class="tasks">
      {props.rows.map((row) => (
        <TaskRow
          row={row}
          viewerId={props.viewerId}
          csrfToken={props.csrfToken}
          showApplication={props.showApplication}
          commentRequired={
            policyStep(row.policyName, row.policyVersion, row.stepIndex)?.commentRequired ?? {
              certify: false,
              remove: false,
            }
          }
        />
      ))}
    </ul>
  );
}

function Listing(props: ReviewsPageProps) {
  const q = filterQuery(props.filters, props.view);
  if (props.rows.length === 0) {
    return (
      <p class="empty">
        {props.filters.status === 'open' ? 'Nothing to review here. ' : 'No tasks match. '}
      </p>
    );
  }
  if (props.view === 'by_application') {
    return (
      <>
        {groupByApplication(props.rows).map((group) => (
          <section class="app-group" aria-label={group.name}>
            <h2>{group.name}</h2>
            <TaskList {...props} rows={group.rows} showApplication={false} />
          </section>
        ))}
        <Pagination
          page={props.page}
          pageCount={Math.ceil(props.total / props.pageSize)}
          href={(page) => urlWith('/reviews', { ...q, page })}
        />
      </>
    );
  }
  if (props.view === 'by_user' && props.person) {
    const person = props.person;
    return (
      <section class="person" aria-labelledby="person-title">
        <h2 id="person-title">{`${person.name} (${person.index} of ${person.count} people)`}</h2>
        <p class="muted">{`${props.rows.length} grants of this person to review. Decide each, then go to the next person.`}</p>
        <TaskList {...props} showApplication={true} />
        <nav class="pagination" aria-label="People">
          {person.index > 1 ? (
            <a href={urlWith('/reviews', { ...q, page: person.index - 1 })} rel="prev">
              Previous person
            </a>
          ) : null}
          {person.index < person.count ? (
            <a
              class="button primary"
              href={urlWith('/reviews', { ...q, page: person.index + 1 })}
              rel="next"
            >
              Next person
            </a>
          ) : null}
        </nav>
      </section>
    );
  }
  return (
    <>
      <TaskList {...props} showApplication={true} />
      <Pagination
        page={props.page}
        pageCount={Math.ceil(props.total / props.pageSize)}
        href={(page) => urlWith('/reviews', { ...q, page })}
      />
    </>
  );
}

/** My reviews: instructions, counts, filters, view switch, bulk form and the task list. */
export function ReviewsPage(props: ReviewsPageProps) {
  const q = filterQuery(props.filters, props.view);
  return (
    <>
      <h1>{props.filters.scope === 'all' ? 'All review tasks' : 'My reviews'}</h1>
      <RemovalList removals={props.removals} />
      <Instructions campaigns={props.instructions} />
      <ReviewCounts counts={props.counts} href={urlWith('/reviews/counts', q)} />
      <Filters {...props} />
      <ViewSwitch filters={props.filters} view={props.view} />
      <BulkForm {...props} />
      <div
        id="task-list"
        hx-get={urlWith('/reviews', { ...q, page: props.page })}
        hx-trigger="tasks-changed from:body"
        hx-select="#task-list"
        hx-swap="outerHTML"
      >
        <Listing {...props} />
      </div>
    </>
  );
}
