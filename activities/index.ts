import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { PolicyRepository } from '../db/policy-repository.js';
import type { InsightsSnapshot, Recommendation } from '../workflows/insights.js';
import type { PolicyVersion, RevocationPolicy } from '../workflows/policy.js';
import type { RevocationActors, TaskLogEntry, TaskSubject } from '../workflows/task-state.js';
import { createCampaignActivities } from './campaigns/index.js';
import { loggedCall } from './connectors/call-log.js';
import { ConnectorRegistry } from './connectors/registry.js';
import { PermanentConnectorError, type RevocationTarget } from './connectors/types.js';
import { refreshGrantInsights } from './insights/index.js';
import type { Notifier } from './notifications/notifier.js';
import {
  sendRemovalReminders,
  type RemovalReminderInput,
} from './notifications/removal-reminders.js';
import {
  notifyTask,
  sendReminderDigests,
  type NotifyTaskInput,
  type ReminderInput,
} from './notifications/task-messages.js';
import { projectTask, type ProjectionInput } from './projection.js';
import { identityIdsByEmail, resolveReviewers, type ResolveReviewersInput } from './reviewers.js';

/** Dependencies of the activities; the worker builds them once and passes them to `createActivities()`. */
export interface ActivityDeps {
  orm: MikroORM;
  log: Logger;
  notifier?: Notifier;
  connectors?: ConnectorRegistry;
  /** Client the campaign launch starts tasks with; the worker's own client when absent. */
  temporalClient?: Client;
}

/** Turns a connector's permanent failure into a non-retryable activity failure. */
function asActivityFailure(error: unknown): never {
  if (error instanceof PermanentConnectorError) {
    throw ApplicationFailure.nonRetryable(error.message, 'PermanentConnectorError');
  }
  throw error;
}

/**
 * Builds every activity with its dependencies. Each activity forks its own entity manager
 * and is idempotent under retry, keyed by a business id.
 */
export function createActivities(deps: ActivityDeps) {
  const connectors = deps.connectors ?? ConnectorRegistry.empty();
  const em = () => deps.orm.em.fork();
  const notifier = () => {
    if (!deps.notifier)
      throw ApplicationFailure.nonRetryable('No notifier is configured for this worker.');
    return deps.notifier;
  };

  return {
    ...createCampaignActivities(deps),

    /** Returns the database server's clock; the smoke test uses it to prove activities run. */
    async databaseTime(): Promise<string> {
      const [row] = await em().getConnection().execute<{ now: Date }[]>('select now() as now');
      return new Date(row!.now).toISOString();
    },

    /** Writes the task's `review_task` row and new `task_event` rows (idempotent). */
    async projectTask(input: ProjectionInput): Promise<void> {
      await projectTask(deps.orm, input);
    },

    /**
     * Writes a closed task's projection like `projectTask` and returns the log entries. A local
     * activity's input is not kept in the history, but its result is, in the marker event.
     */
    async projectClosedTask(input: ProjectionInput): Promise<TaskLogEntry[]> {
      await projectTask(deps.orm, input);
      return input.entries;
    },

    async resolveReviewers(input: ResolveReviewersInput) {
      return resolveReviewers(em(), input);
    },

    async identityIdsByEmail(emails: string[]): Promise<number[]> {
      return identityIdsByEmail(em(), emails);
    },

    /** A published policy version (the latest when `version` is omitted), or null. */
    async loadPolicy(input: { name: string; version?: number }): Promise<PolicyVersion | null> {
      return (await new PolicyRepository(em()).find(input.name, input.version)) ?? null;
    },

    async notifyTask(input: NotifyTaskInput): Promise<number> {
      return notifyTask(em(), notifier(), input);
    },

    async sendReminderDigests(input: ReminderInput): Promise<number> {
      return sendReminderDigests(em(), notifier(), input);
    },

    async sendRemovalReminders(input: RemovalReminderInput): Promise<number> {
      return sendRemovalReminders(em(), notifier(), input);
    },

    /**
     * Resolves the approvers of a removal and who removes it by hand: the application's active
     * owners, or the campaign owner when the application has none.
     */
    async resolveRevocationActors(input: {
      subject: TaskSubject;
      revocation: RevocationPolicy;
      campaignOwnerId?: number | null;
    }): Promise<RevocationActors> {
      const approverIds =
        input.revocation.mode === 'approval'
          ? await identityIdsByEmail(em(), input.revocation.approverEmails)
          : [];
      const rows = await em()
        .getConnection()
        .execute<{ id: number }[]>(
          `select i.id from application_owner o join identity i on i.id = o.identity_id
            where o.application_id = ? and i.employment_status <> 'terminated' order by i.id`,
          [input.subject.applicationId],
        );
      if (rows.length > 0 || input.campaignOwnerId == null) {
        return { approverIds, provisionerIds: rows.map((row) => row.id) };
      }
      const campaignOwner = await em()
        .getConnection()
        .execute<{ id: number }[]>(
          `select id from identity where id = ? and employment_status <> 'terminated'`,
          [input.campaignOwnerId],
        );
      if (campaignOwner.length === 0) return { approverIds, provisionerIds: [] };
      return {
        approverIds,
        provisionerIds: [campaignOwner[0]!.id],
        provisionersAreCampaignOwner: true,
      };
    },

    /** Removes the access through the named connector; safe to retry with the same key. */
    async revokeAccess(input: {
      connector: string;
      target: RevocationTarget;
      idempotencyKey: string;
    }) {
      const log = Context.current().log;
      log.info('revoking access', {
        taskId: input.target.taskId,
        connector: input.connector,
        attempt: Context.current().info.attempt,
      });
      try {
        return await loggedCall(
          deps.orm,
          {
            taskId: input.target.taskId,
            connector: input.connector,
            call: 'revoke',
            idempotencyKey: input.idempotencyKey,
          },
          () => connectors.get(input.connector).revoke(input.target, input.idempotencyKey),
        );
      } catch (error) {
        log.warn('revocation attempt failed', {
          taskId: input.target.taskId,
          error: (error as Error).message,
        });
        return asActivityFailure(error);
      }
    },

    async verifyRevocation(input: { connector: string; target: RevocationTarget }) {
      try {
        return await loggedCall(
          deps.orm,
          { taskId: input.target.taskId, connector: input.connector, call: 'verify' },
          () => connectors.get(input.connector).verify(input.target),
        );
      } catch (error) {
        return asActivityFailure(error);
      }
    },

    /**
     * Recomputes a task's insights and recommendation from current data; null when there is
     * nothing to compute from.
     */
    async refreshTaskInsights(input: {
      taskId: string;
      subject: TaskSubject;
    }): Promise<{ insights: InsightsSnapshot; recommendation: Recommendation } | null> {
      return refreshGrantInsights(em(), input.subject.grantId);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
