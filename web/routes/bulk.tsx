import { Hono } from 'hono';
import { requireUser, signedIn } from '../auth/require.js';
import type { AppEnv } from '../deps.js';
import { field, fields, readForm } from '../forms.js';
import { isFragmentRequest, page } from '../render.js';
import { acceptRecommendation } from '../tasks/accept-recommendations.js';
import { loadPolicyDefinitions, policyStep } from '../tasks/policy-steps.js';
import { parseFilters } from '../tasks/review-query.js';
import { sendWithDeadline } from '../tasks/task-actions.js';
import { findTaskRows, matchingTaskIds, type TaskListRow } from '../tasks/task-list.js';
import { BulkProblem, BulkStatus } from '../views/bulk-status.js';

/** Maximum number of tasks one bulk request may decide. */
const MAX_BULK_TASKS = 5000;

function label(row: TaskListRow): string {
  return `${row.subjectName ?? row.accountName ?? row.groupName ?? 'Unknown'} · ${row.applicationName ?? ''} · ${row.resourceName ?? ''}`;
}

/** Bulk decisions: one action and one comment sent to many tasks, eight at a time. */
export const bulkRoutes = new Hono<AppEnv>()
  .use(requireUser())

  .post('/', async (c) => {
    const user = signedIn(c);
    const deps = c.get('deps');
    const em = deps.orm.em.fork();
    const form = await readForm(c);
    const decision = field(form, 'decision');
    const comment = field(form, 'comment').trim();
    if (decision !== 'certify' && decision !== 'remove' && decision !== 'accept_recommendations') {
      return page(
        c,
        'Bulk decision',
        <BulkProblem text="Choose Certify, Remove or Accept recommendations." />,
        422,
      );
    }

    let ids: string[];
    if (field(form, 'scope') === 'all_matching') {
      const { filters } = parseFilters((name) => field(form, `filter_${name}`) || undefined, user);
      // Only tasks waiting for this reviewer can take their decision.
      ids = await matchingTaskIds(
        em,
        user.identityId,
        { ...filters, status: 'open', scope: 'mine' },
        MAX_BULK_TASKS,
      );
    } else {
      ids = [...new Set(fields(form, 'taskId'))].slice(0, MAX_BULK_TASKS);
    }
    if (ids.length === 0) {
      return page(
        c,
        'Bulk decision',
        <BulkProblem text="Select at least one task, or choose all tasks matching the filters." />,
        422,
      );
    }

    // Only tasks this reviewer may see are named or sent. The rest are reported as not found.
    const visible = (await findTaskRows(em, user.identityId, ids)).filter(
      (row) => row.assigneeIds.includes(user.identityId) || row.decidedByMe,
    );
    const rows = new Map(visible.map((row) => [row.id, row]));
    // When every task waiting for this reviewer needs a comment, nothing could be applied, so
    // the form reports it at once instead of starting a job that rejects each task.
    const waiting = visible.filter((row) => row.assigneeIds.includes(user.identityId));
    if ((decision === 'certify' || decision === 'remove') && !comment && waiting.length > 0) {
      await loadPolicyDefinitions(em, waiting);
      const needComment = waiting.every(
        (row) =>
          policyStep(row.policyName, row.policyVersion, row.stepIndex)?.commentRequired[decision],
      );
      if (needComment) {
        return page(
          c,
          'Bulk decision',
          <BulkProblem
            text={`The selected tasks need a comment to ${decision}. Add a comment and send again; nothing was changed.`}
          />,
          422,
        );
      }
    }
    const requestId = c.get('requestId');
    const job = deps.bulkJobs.start(
      user.identityId,
      decision,
      ids.map((taskId) => {
        const row = rows.get(taskId);
        return { taskId, label: row ? label(row) : taskId };
      }),
      async (item) => {
        // The web-layer check reads the projection, not the workflow, to keep bulk jobs cheap;
        // the workflow's validator checks the same rights against its own state.
        const row = rows.get(item.taskId);
        if (!row) {
          return { outcome: 'rejected', reason: 'Task not found, or not one you may see.' };
        }
        if (row.status !== 'open' || !row.assigneeIds.includes(user.identityId)) {
          return {
            outcome: 'rejected',
            reason: `The task is not waiting for your decision (status: ${row.status}).`,
          };
        }
        if (decision === 'accept_recommendations') {
          return acceptRecommendation(deps, user, row, comment, `${requestId}:${item.taskId}`);
        }
        const outcome = await sendWithDeadline(
          deps,
          user,
          item.taskId,
          { type: decision, actorId: user.identityId, ...(comment ? { comment } : {}) },
          `${requestId}:${item.taskId}`,
        );
        if (outcome.ok) return { outcome: 'applied' };
        return {
          outcome: outcome.kind === 'unavailable' ? 'unavailable' : 'rejected',
          reason: outcome.reason,
        };
      },
    );
    return page(c, 'Bulk decision', <BulkStatus job={job} focus={true} />, 202);
  })

  .get('/:id', (c) => {
    const user = signedIn(c);
    const job = c.get('deps').bulkJobs.get(c.req.param('id'), user.identityId);
    if (!job) return c.text('Bulk job not found; finished jobs are kept for an hour.', 404);
    const finished = job.finishedAt !== undefined;
    const firstFinishedAnswer = finished && !job.announced && isFragmentRequest(c);
    if (firstFinishedAnswer) {
      job.announced = true;
      c.header('HX-Trigger', 'tasks-changed');
    }
    return page(c, 'Bulk decision', <BulkStatus job={job} focus={firstFinishedAnswer} />);
  });
