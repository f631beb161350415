import { Hono, type Context } from 'hono';
import type { TaskAction } from '../../workflows/messages.js';
import { requireUser, signedIn } from '../auth/require.js';
import type { CurrentUser } from '../auth/session.js';
import type { AppEnv } from '../deps.js';
import { field, positiveInt, readForm } from '../forms.js';
import { isFragmentRequest } from '../render.js';
import { loadTask, type LoadedTask } from '../tasks/task-access.js';
import {
  performRevocationAction,
  performTaskAction,
  type RevocationActionKind,
} from '../tasks/task-actions.js';
import { searchIdentities } from '../tasks/task-facts.js';
import { findTaskRow } from '../tasks/task-list.js';
import { outcomeStatus, renderTaskPanel } from '../tasks/task-panel.js';
import { loadPolicyDefinitions, policyStep } from '../tasks/policy-steps.js';
import { Notice } from '../views/components.js';
import { ReassignResults } from '../views/task-forms.js';
import { TaskRow, type RowOutcome } from '../views/task-row.js';

/** Loads the task for the signed-in user; `loaded` is absent for missing and hidden tasks alike. */
async function taskOr404(c: Context<AppEnv>): Promise<{ user: CurrentUser; loaded?: LoadedTask }> {
  const user = signedIn(c);
  const loaded = await loadTask(c.get('deps'), user, c.req.param('id') ?? '');
  return { user, loaded };
}

const notFound = (c: Context<AppEnv>) =>
  c.text('Task not found, or it is not one you may see.', 404);

const DECISION_DONE = {
  certify: 'Certified. The task moves on to its next step, or closes when this was the last.',
  remove: "Removed. The review is closed, and the task page shows the removal's progress.",
};

/** Redraws one list row after a decision (the list's Certify and Remove buttons). */
async function renderRowOutcome(
  c: Context<AppEnv>,
  user: CurrentUser,
  taskId: string,
  outcome: RowOutcome,
  status: 200 | 409 | 422 | 503,
) {
  const em = c.get('deps').orm.em.fork();
  const row = await findTaskRow(em, user.identityId, taskId);
  if (!row) {
    return c.html(
      <li class="task">
        <Notice kind={outcome.kind === 'applied' ? 'ok' : 'error'} focus>
          {outcome.text}
        </Notice>
      </li>,
      status,
    );
  }
  await loadPolicyDefinitions(em, [row]);
  return c.html(
    <TaskRow
      row={row}
      viewerId={user.identityId}
      csrfToken={user.csrfToken}
      showApplication={true}
      commentRequired={
        policyStep(row.policyName, row.policyVersion, row.stepIndex)?.commentRequired ?? {
          certify: false,
          remove: false,
        }
      }
      outcome={outcome}
    />,
    status,
  );
}

/**
 * Sends one action built from the form and redraws the panel with its outcome. An action on a
 * task the user cannot see gets a 404 before anything is sent.
 */
async function panelAction(
  c: Context<AppEnv>,
  build: (form: FormData, user: CurrentUser) => TaskAction,
  done: string,
  reject?: (loaded: LoadedTask) => string | undefined,
) {
  const { user, loaded } = await taskOr404(c);
  if (!loaded) return notFound(c);
  const rejection = reject?.(loaded);
  if (rejection)
    return renderTaskPanel(c, user, loaded, {
      message: { kind: 'error', text: rejection },
      status: 409,
    });
  const form = await readForm(c);
  const outcome = await performTaskAction(
    c.get('deps'),
    user,
    loaded,
    build(form, user),
    c.get('requestId'),
  );
  const fresh = (await loadTask(c.get('deps'), user, loaded.view.id)) ?? loaded;
  return renderTaskPanel(c, user, fresh, {
    message: outcome.ok ? { kind: 'ok', text: done } : { kind: 'error', text: outcome.reason },
    status: outcomeStatus(outcome),
  });
}

/** How long after a requested reminder the page accepts another for the same task. */
const REMIND_AGAIN_AFTER_MS = 10 * 60_000;

/** Explains why a reminder would repeat one requested moments ago, so repeated clicks send one. */
function tooSoonToRemind(loaded: LoadedTask): string | undefined {
  const last = loaded.view.log.findLast((entry) => entry.type === 'reminder_requested');
  if (!last) return undefined;
  const next = Date.parse(last.at) + REMIND_AGAIN_AFTER_MS;
  if (Date.now() >= next) return undefined;
  const time = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;
  return `A reminder was requested at ${time(Date.parse(last.at))}; another can be sent after ${time(next)}.`;
}

/** A task's detail page and the actions reviewers, owners and admins take on it. */
export const taskRoutes = new Hono<AppEnv>()
  .use(requireUser())

  .get('/:id', async (c) => {
    const { user, loaded } = await taskOr404(c);
    if (!loaded) return notFound(c);
    return renderTaskPanel(c, user, loaded);
  })

  .post('/:id/decide', async (c) => {
    const { user, loaded } = await taskOr404(c);
    if (!loaded) return notFound(c);
    const form = await readForm(c);
    const decision = field(form, 'decision');
    const comment = field(form, 'comment').trim();
    const fromRow = field(form, 'from') === 'row' && isFragmentRequest(c);
    const id = loaded.view.id;

    if (decision !== 'certify' && decision !== 'remove') {
      const text = 'Choose Certify or Remove.';
      if (fromRow) return renderRowOutcome(c, user, id, { kind: 'rejected', text }, 422);
      return renderTaskPanel(c, user, loaded, { message: { kind: 'error', text }, status: 422 });
    }
    if (loaded.view.commentRequired[decision] && !comment) {
      const text = `A comment is required to ${decision} at this step. Write one, then press ${decision === 'certify' ? 'Certify' : 'Remove'} again.`;
      if (fromRow)
        return renderRowOutcome(c, user, id, { kind: 'needs_comment', text, decision }, 422);
      return renderTaskPanel(c, user, loaded, { message: { kind: 'error', text }, status: 422 });
    }

    const seen = positiveInt(field(form, 'seenInsightsVersion'));
    const outcome = await performTaskAction(
      c.get('deps'),
      user,
      loaded,
      {
        type: decision,
        actorId: user.identityId,
        ...(comment ? { comment } : {}),
        ...(seen !== undefined ? { seenInsightsVersion: seen } : {}),
      },
      c.get('requestId'),
    );
    if (outcome.ok) c.header('HX-Trigger', 'task-decided');
    if (fromRow) {
      const rowOutcome: RowOutcome = outcome.ok
        ? { kind: 'applied', text: DECISION_DONE[decision] }
        : {
            kind: outcome.kind === 'unavailable' ? 'unavailable' : 'rejected',
            text: outcome.reason,
          };
      // A row is swapped for every outcome, so a task that vanished meanwhile gets 409, not 404.
      const status = outcome.ok
        ? 200
        : outcome.kind === 'unavailable'
          ? 503
          : outcome.invalidInput
            ? 422
            : 409;
      return renderRowOutcome(c, user, id, rowOutcome, status);
    }
    const fresh = (await loadTask(c.get('deps'), user, id)) ?? loaded;
    const done =
      decision === 'certify' && fresh.state
        ? fresh.state.closed
          ? 'Certified. That was the last step, so the task is closed as certified.'
          : `Certified. The task moved on to step ${fresh.state.stepIndex + 1}.`
        : decision === 'remove' && fresh.state?.policy.definition.revocation.mode === 'approval'
          ? 'Removed. The review is closed, and the removal now waits for approval.'
          : DECISION_DONE[decision];
    return renderTaskPanel(c, user, fresh, {
      message: outcome.ok ? { kind: 'ok', text: done } : { kind: 'error', text: outcome.reason },
      status: outcomeStatus(outcome),
    });
  })

  .post('/:id/comment', (c) =>
    panelAction(
      c,
      (form, user) => ({ type: 'comment', actorId: user.identityId, text: field(form, 'text') }),
      'Comment added to the task log.',
    ),
  )

  .get('/:id/reassign', async (c) => {
    const { user, loaded } = await taskOr404(c);
    if (!loaded) return notFound(c);
    const query = (c.req.query('q') ?? '').slice(0, 200);
    // A task is never reassigned to the person whose access it reviews, so they are not offered.
    const subjectId = loaded.view.subject.subjectIdentityId;
    const results = (await searchIdentities(c.get('deps').orm.em.fork(), query)).filter(
      (identity) => identity.id !== subjectId,
    );
    if (isFragmentRequest(c)) return c.html(<ReassignResults query={query} results={results} />);
    return renderTaskPanel(c, user, loaded, { reassign: { query, results } });
  })

  .post('/:id/reassign', (c) =>
    panelAction(
      c,
      (form, user) => ({
        type: 'reassign',
        actorId: user.identityId,
        // NaN when missing: the reducer rejects it with "Choose the identity to reassign to."
        toIdentityId: positiveInt(field(form, 'toIdentityId')) ?? Number.NaN,
        reason: field(form, 'reason'),
      }),
      'Reassigned. The new reviewer and the previous assignees are notified.',
    ),
  )

  .post('/:id/remind', (c) =>
    panelAction(
      c,
      (_form, user) => ({ type: 'sendReminder', actorId: user.identityId }),
      'Reminder requested; the assignees get it with their other open tasks.',
      tooSoonToRemind,
    ),
  )

  .post('/:id/revocation', async (c) => {
    const { user, loaded } = await taskOr404(c);
    if (!loaded) return notFound(c);
    const form = await readForm(c);
    const kind = field(form, 'kind') as RevocationActionKind;
    if (!['approve', 'deny', 'markProvisioned', 'retry'].includes(kind)) {
      return renderTaskPanel(c, user, loaded, {
        message: {
          kind: 'error',
          text: 'Choose approve, deny, mark as provisioned, or retry the removal.',
        },
        status: 422,
      });
    }
    const comment = field(form, 'comment').trim() || undefined;
    const outcome = await performRevocationAction(
      c.get('deps'),
      user,
      loaded,
      kind,
      comment,
      c.get('requestId'),
    );
    const done = {
      approve: 'Removal approved; the access is being removed.',
      deny: 'Removal denied; the access stays.',
      markProvisioned:
        loaded.revocation?.awaitingFollowUp || loaded.revocation?.confirmableByHand
          ? 'Confirmed as removed by hand.'
          : 'Marked as provisioned.',
      retry: 'Retrying the removal.',
    }[kind];
    const fresh = (await loadTask(c.get('deps'), user, loaded.view.id)) ?? loaded;
    return renderTaskPanel(c, user, fresh, {
      message: outcome.ok ? { kind: 'ok', text: done } : { kind: 'error', text: outcome.reason },
      status: outcomeStatus(outcome),
    });
  });
