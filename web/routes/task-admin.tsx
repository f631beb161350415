import { Hono, type Context } from 'hono';
import { PolicyRepository } from '../../db/policy-repository.js';
import { deleteTask, recordAudit } from '../../runtime/task-client.js';
import type { TaskAction } from '../../workflows/messages.js';
import { requireRole, requireUser, signedIn } from '../auth/require.js';
import { actorLabel, type CurrentUser } from '../auth/session.js';
import type { AppEnv } from '../deps.js';
import { field, positiveInt, readForm } from '../forms.js';
import { isFragmentRequest } from '../render.js';
import { loadTask } from '../tasks/task-access.js';
import { performTaskAction } from '../tasks/task-actions.js';
import { outcomeStatus, renderTaskPanel } from '../tasks/task-panel.js';
import { ConfirmBox } from '../views/task-forms.js';

type RepairAction =
  'skip-step' | 'restart' | 'hard-reset' | 'change-policy' | 'process-now' | 'cancel';

/** Repair actions by path: the message each sends and the panel's text once it is applied. */
const REPAIRS: Record<
  RepairAction,
  { build: (form: FormData, user: CurrentUser) => TaskAction; done: string }
> = {
  'skip-step': {
    build: (form, user) => ({
      type: 'skipStep',
      actorId: user.identityId,
      reason: field(form, 'reason'),
    }),
    done: 'Step skipped; the task moved on.',
  },
  restart: {
    build: (form, user) => ({
      type: 'restart',
      actorId: user.identityId,
      reason: field(form, 'reason'),
    }),
    done: 'Restarted from the first step; the log is kept.',
  },
  'hard-reset': {
    build: (form, user) => ({
      type: 'hardReset',
      actorId: user.identityId,
      reason: field(form, 'reason'),
    }),
    done: 'Hard reset: back to the first step under the latest policy version.',
  },
  'change-policy': {
    build: (form, user) => ({
      type: 'changePolicy',
      actorId: user.identityId,
      policyName: field(form, 'policyName'),
      policyVersion: positiveInt(field(form, 'policyVersion')),
      reason: field(form, 'reason'),
    }),
    done: 'Policy changed; the task starts over at its first step.',
  },
  'process-now': {
    build: (_form, user) => ({ type: 'processNow', actorId: user.identityId }),
    done: 'Processing now: reviewers are resolved again and the projection refreshed.',
  },
  cancel: {
    build: (form, user) => ({
      type: 'cancel',
      actorId: user.identityId,
      reason: field(form, 'reason'),
    }),
    done: 'Task canceled; it stays in the log.',
  },
};

const NOT_LISTED =
  'Only the super admins named when this task’s campaign was launched can repair or delete it. Someone given the role later cannot.';

function taskNotFound(c: Context<AppEnv>) {
  return c.text('Task not found.', 404);
}

/**
 * Super-admin repair actions on one task. The role is checked before the task is read, so a
 * 403 here reveals nothing about whether the id exists. The workflow checks its own list of
 * super admins again.
 */
export const taskAdminRoutes = new Hono<AppEnv>()
  .use('/:id/admin/*', requireUser(), requireRole('super_admin'))

  .post('/:id/admin/delete', async (c) => {
    const user = signedIn(c);
    const deps = c.get('deps');
    const loaded = await loadTask(deps, user, c.req.param('id'));
    if (!loaded) return taskNotFound(c);
    const form = await readForm(c);
    const reason = field(form, 'reason').trim();
    // A live task names the super admins who may repair it, and deleting is the strongest repair.
    if (loaded.state && !loaded.rights.repair) {
      await recordAudit(deps.orm, {
        actor: actorLabel(user),
        action: 'task.delete',
        targetType: 'review_task',
        targetId: loaded.view.id,
        outcome: 'rejected',
        reason: NOT_LISTED,
      });
      return renderTaskPanel(c, user, loaded, {
        message: { kind: 'error', text: NOT_LISTED },
        status: 409,
      });
    }
    if (!reason) {
      return renderTaskPanel(c, user, loaded, {
        message: {
          kind: 'error',
          text: 'Give a reason to delete the task; it is kept in the task log and the audit log.',
        },
        status: 422,
      });
    }
    if (field(form, 'confirm') !== 'yes') {
      return renderTaskPanel(c, user, loaded, {
        confirm: (
          <ConfirmBox
            id={loaded.view.id}
            action="admin/delete"
            csrfToken={user.csrfToken}
            question="Delete this task?"
            consequence="Its workflow is terminated and deleted from Temporal and its row leaves every list. The task log and the audit log keep the record. This cannot be undone."
            confirmLabel="Yes, delete the task"
            reason={reason}
          />
        ),
      });
    }
    await deleteTask(deps.temporal, deps.orm, loaded.view.id, {
      actor: { label: actorLabel(user) },
      reason,
      namespace: deps.temporalConfig.namespace,
    });
    if (isFragmentRequest(c)) return c.body(null, 200, { 'HX-Redirect': '/reviews?scope=all' });
    return c.redirect('/reviews?scope=all', 303);
  })

  .post('/:id/admin/:action', async (c) => {
    const user = signedIn(c);
    const deps = c.get('deps');
    const name = c.req.param('action') as RepairAction;
    if (!Object.hasOwn(REPAIRS, name)) return c.text('Unknown repair action.', 404);
    const repair = REPAIRS[name];
    const loaded = await loadTask(deps, user, c.req.param('id'));
    if (!loaded) return taskNotFound(c);
    const form = await readForm(c);

    if (name === 'cancel' && loaded.state?.repairReasonRequired && !field(form, 'reason').trim()) {
      return renderTaskPanel(c, user, loaded, {
        message: {
          kind: 'error',
          text: 'Give a reason to cancel the task; it is kept in the task log as evidence.',
        },
        status: 422,
      });
    }
    if (name === 'cancel' && field(form, 'confirm') !== 'yes') {
      return renderTaskPanel(c, user, loaded, {
        confirm: (
          <ConfirmBox
            id={loaded.view.id}
            action="admin/cancel"
            csrfToken={user.csrfToken}
            question="Cancel this task?"
            consequence="The review closes as canceled and nobody can decide it any more. The task log is kept."
            confirmLabel="Yes, cancel the task"
            reason={field(form, 'reason').trim()}
          />
        ),
      });
    }

    const action = repair.build(form, user);
    if (action.type === 'changePolicy') {
      const target = await new PolicyRepository(deps.orm.em.fork()).find(
        action.policyName,
        action.policyVersion,
      );
      if (!target) {
        const requested = `${action.policyName}${action.policyVersion ? ` v${action.policyVersion}` : ''}`;
        return renderTaskPanel(c, user, loaded, {
          message: {
            kind: 'error',
            text: `Policy ${requested} is not published, so the task was not changed. Publish it first, or pick a listed version.`,
          },
          status: 422,
        });
      }
    }
    const outcome = await performTaskAction(deps, user, loaded, action, c.get('requestId'));
    if (outcome.ok) {
      await recordAudit(deps.orm, {
        actor: actorLabel(user),
        action: `task.${action.type}`,
        targetType: 'review_task',
        targetId: loaded.view.id,
        reason: field(form, 'reason').trim() || undefined,
      });
    }
    const fresh = (await loadTask(deps, user, loaded.view.id)) ?? loaded;
    return renderTaskPanel(c, user, fresh, {
      message: outcome.ok
        ? { kind: 'ok', text: repair.done }
        : { kind: 'error', text: outcome.reason },
      status: outcomeStatus(outcome),
    });
  });
