import { countOutcomes, type BulkItem, type BulkJob } from '../tasks/bulk-jobs.js';
import { Notice } from './components.js';

const OUTCOME_LABELS: Record<BulkItem['outcome'], string> = {
  pending: 'Waiting',
  applied: 'Applied',
  rejected: 'Rejected',
  unavailable: 'Not sent: the review service is not answering',
  failed: 'Failed',
  skipped: 'Skipped',
};

const DECISION_LABELS: Record<BulkJob['decision'], string> = {
  certify: 'Certify',
  remove: 'Remove',
  accept_recommendations: 'Accept recommendations',
};

/**
 * Progress and per-task results of a bulk job. While it runs, htmx polls for a fresh copy
 * every second; the finished copy has no trigger, so polling stops.
 */
export function BulkStatus(props: { job: BulkJob; focus: boolean }) {
  const { job } = props;
  const total = job.items.length;
  const counts = countOutcomes(job);
  const finished = job.finishedAt !== undefined;
  const verb = DECISION_LABELS[job.decision];
  const polling = finished
    ? {}
    : { 'hx-get': `/bulk/${job.id}`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' };
  return (
    <section id="bulk-status" class="bulk-status" aria-labelledby="bulk-status-title" {...polling}>
      <h3
        id="bulk-status-title"
        data-focus={props.focus ? '' : undefined}
        tabindex={-1}
      >{`${verb}: ${job.done} of ${total} done${finished ? '' : ', working…'}`}</h3>
      <progress max={total} value={job.done}>{`${job.done} of ${total}`}</progress>
      <p aria-live="polite">
        {`Applied: ${counts.applied} · Rejected: ${counts.rejected} · Not sent: ${counts.unavailable} · Failed: ${counts.failed}`}
        {counts.skipped > 0 ? ` · Skipped: ${counts.skipped}` : ''}
      </p>
      {finished ? (
        <>
          {counts.applied === total ? (
            <Notice kind="ok">{`All ${total} tasks were decided.`}</Notice>
          ) : null}
          <ul class="bulk-results">
            {job.items
              .filter((item) => item.outcome !== 'applied')
              .map((item) => (
                <li>
                  <a href={`/tasks/${encodeURIComponent(item.taskId)}`}>{item.label}</a>
                  {`: ${OUTCOME_LABELS[item.outcome]}`}
                  {item.reason ? ` (${item.reason})` : ''}
                </li>
              ))}
          </ul>
          {counts.applied > 0 ? (
            <details>
              <summary>{`Applied to ${counts.applied} tasks`}</summary>
              <ul>
                {job.items
                  .filter((item) => item.outcome === 'applied')
                  .map((item) => (
                    <li>
                      <a href={`/tasks/${encodeURIComponent(item.taskId)}`}>{item.label}</a>
                    </li>
                  ))}
              </ul>
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** Renders why a bulk request could not start, in place of the status. */
export function BulkProblem(props: { text: string }) {
  return (
    <section id="bulk-status" class="bulk-status">
      <Notice kind="error" focus>
        {props.text}
      </Notice>
    </section>
  );
}
