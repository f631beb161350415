import { Hono } from 'hono';
import { hasRole } from '../auth/session.js';
import { requireUser, signedIn } from '../auth/require.js';
import type { AppEnv } from '../deps.js';
import { page } from '../render.js';
import { loadPolicyDefinitions } from '../tasks/policy-steps.js';
import { parseFilters } from '../tasks/review-query.js';
import {
  findCampaigns,
  listRemovalWork,
  listSubjects,
  listTasks,
  PAGE_SIZE,
  summariseTasks,
  type TaskFilters,
  type TaskSummaryRow,
} from '../tasks/task-list.js';
import { urlWith } from '../views/components.js';
import { filterQuery, ReviewCounts, ReviewsPage } from '../views/reviews-page.js';

function countsFor(summary: TaskSummaryRow[], filters: TaskFilters) {
  const counts = { open: 0, done: 0 };
  for (const row of summary) {
    if (filters.campaignId !== undefined && row.campaignId !== filters.campaignId) continue;
    if (filters.applicationId !== undefined && row.applicationId !== filters.applicationId)
      continue;
    counts.open += row.open;
    counts.done += row.done;
  }
  return counts;
}

function choices(summary: TaskSummaryRow[], filters: TaskFilters) {
  const campaigns = new Map<number, string>();
  const applications = new Map<number, string>();
  for (const row of summary) {
    const inApplication =
      filters.applicationId === undefined || row.applicationId === filters.applicationId;
    const inCampaign = filters.campaignId === undefined || row.campaignId === filters.campaignId;
    if (row.campaignId !== null && inApplication) {
      campaigns.set(row.campaignId, row.campaignName ?? `Campaign ${row.campaignId}`);
    }
    if (row.applicationId !== null && inCampaign) {
      applications.set(
        row.applicationId,
        row.applicationName ?? `Application ${row.applicationId}`,
      );
    }
  }
  const sorted = (map: Map<number, string>) =>
    [...map].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  return { campaigns: sorted(campaigns), applications: sorted(applications) };
}

/** My reviews: the signed-in reviewer's tasks from the projection, in three views. */
export const reviewRoutes = new Hono<AppEnv>()
  .use(requireUser())

  .get('/', async (c) => {
    const user = signedIn(c);
    const em = c.get('deps').orm.em.fork();
    const parsed = parseFilters((name) => c.req.query(name), user);
    const { filters } = parsed;

    const summary = await summariseTasks(em, user.identityId, filters);
    const { campaigns, applications } = choices(summary, filters);
    // Instructions of the chosen campaign, or of every campaign the list draws from.
    const campaignIds =
      filters.campaignId !== undefined ? [filters.campaignId] : campaigns.map((c) => c.id);
    const instructions = await findCampaigns(em, campaignIds);
    const view =
      parsed.view ?? (instructions.length === 1 ? instructions[0]!.defaultView : 'by_application');

    let rows;
    let total;
    let person;
    if (view === 'by_user') {
      const subjects = await listSubjects(em, user.identityId, filters);
      const index = Math.min(parsed.page, Math.max(subjects.length, 1));
      const subject = subjects[index - 1];
      ({ rows, total } = subject
        ? await listTasks(em, user.identityId, filters, view, 1, { identityId: subject.identityId })
        : { rows: [], total: 0 });
      person = subject
        ? {
            index,
            count: subjects.length,
            name: subject.name ?? 'No identity (orphaned accounts and groups)',
          }
        : undefined;
    } else {
      ({ rows, total } = await listTasks(em, user.identityId, filters, view, parsed.page));
    }
    await loadPolicyDefinitions(em, rows);
    const removals = await listRemovalWork(em, user.identityId);

    return page(
      c,
      'My reviews',
      <ReviewsPage
        csrfToken={user.csrfToken}
        viewerId={user.identityId}
        filters={filters}
        view={view}
        page={parsed.page}
        rows={rows}
        total={total}
        pageSize={PAGE_SIZE}
        counts={countsFor(summary, filters)}
        campaigns={campaigns}
        applications={applications}
        instructions={instructions}
        person={person}
        canSeeAll={hasRole(user, 'campaign_admin')}
        removals={removals}
      />,
    );
  })

  .get('/counts', async (c) => {
    const user = signedIn(c);
    const parsed = parseFilters((name) => c.req.query(name), user);
    const summary = await summariseTasks(
      c.get('deps').orm.em.fork(),
      user.identityId,
      parsed.filters,
    );
    return c.html(
      <ReviewCounts
        counts={countsFor(summary, parsed.filters)}
        href={urlWith(
          '/reviews/counts',
          filterQuery(parsed.filters, parsed.view ?? 'by_application'),
        )}
      />,
    );
  });
