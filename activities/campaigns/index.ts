import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { getCampaign, transitionCampaign } from '../../db/campaigns/campaign-repository.js';
import type { NoResponseRule } from '../../db/campaigns/campaign-schema.js';
import type { Notifier } from '../notifications/notifier.js';
import { closeCampaignTasks, type CloseProgress, type CloseTasksInput } from './close.js';
import { sendCampaignReminders, sendLaunchDigests } from './digests.js';
import { launchCampaignTasks, type LaunchProgress, type LaunchTasksInput } from './launch.js';

export type { CloseProgress, CloseTasksInput, LaunchProgress, LaunchTasksInput };

/** Dependencies of the campaign activities. */
export interface CampaignActivityDeps {
  orm: MikroORM;
  notifier?: Notifier;
  /** Client for starting and messaging review tasks; defaults to the worker's own client. */
  temporalClient?: Client;
}

/** Builds the campaign workflow's activities; `createActivities` merges them into the worker's set. */
export function createCampaignActivities(deps: CampaignActivityDeps) {
  const client = () => deps.temporalClient ?? Context.current().client;
  const notifier = () => {
    if (!deps.notifier)
      throw ApplicationFailure.nonRetryable('No notifier is configured for this worker.');
    return deps.notifier;
  };
  const em = () => deps.orm.em.fork();

  return {
    /** Starts every review task of a campaign from its snapshot; heartbeats its cursor. */
    async launchCampaignTasks(input: LaunchTasksInput): Promise<LaunchProgress> {
      // Eager start needs the worker's own (native) connection, which only the context's
      // client has.
      return launchCampaignTasks(deps.orm, client(), input, { eagerStart: !deps.temporalClient });
    },

    /** Sends each reviewer one digest of the campaign they were given. */
    async sendLaunchDigests(input: { campaignId: number }) {
      return sendLaunchDigests(deps.orm, notifier(), input.campaignId);
    },

    /** Marks a campaign whose tasks are all started as active. */
    async markCampaignActive(input: { campaignId: number; tasks: number }): Promise<void> {
      await transitionCampaign(em(), input.campaignId, ['launching'], 'active', {
        tasks_started: input.tasks,
      });
    },

    /** Sends each reviewer with open tasks one reminder digest. */
    async sendCampaignReminders(input: { campaignId: number; requestKey: string }) {
      return sendCampaignReminders(deps.orm, notifier(), input);
    },

    /**
     * Marks the campaign as closing and records who closed it and with which rule. Returns the
     * rule to apply (the campaign's unless overridden) and the identity to act as on tasks:
     * the requester when every task lists them as an administrator, otherwise the owner.
     */
    async markCampaignClosing(input: {
      campaignId: number;
      rule?: NoResponseRule;
      actorId?: number;
      closedBy: string;
    }): Promise<{ rule: NoResponseRule; actorId: number }> {
      const db = em();
      const campaign = await getCampaign(db, input.campaignId);
      const rule = campaign.closeRule ?? input.rule ?? campaign.noResponseRule;
      const taskAdmins = [
        campaign.ownerId,
        ...(campaign.taskAdminIds ?? []),
        ...(campaign.taskSuperAdminIds ?? []),
      ];
      const actorId =
        input.actorId !== undefined && taskAdmins.includes(input.actorId)
          ? input.actorId
          : campaign.ownerId;
      await transitionCampaign(db, input.campaignId, ['launching', 'active'], 'closing', {
        close_rule: rule,
        closed_by: input.closedBy,
      });
      return { rule, actorId };
    },

    /** Closes every open task of a campaign by its no-response rule; heartbeats its cursor. */
    async closeCampaignTasks(input: CloseTasksInput): Promise<CloseProgress> {
      return closeCampaignTasks(deps.orm, client(), input);
    },

    /** Marks a campaign closed with what closing did. */
    async markCampaignClosed(input: {
      campaignId: number;
      summary: Record<string, number>;
    }): Promise<void> {
      await transitionCampaign(em(), input.campaignId, ['closing'], 'closed', {
        close_summary: JSON.stringify(input.summary),
        closed_at: new Date(),
      });
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
