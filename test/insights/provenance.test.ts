import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeInsights, type GrantInsights } from '../../activities/insights/compute.js';
import { DEFAULT_INSIGHTS_CONFIG } from '../../activities/insights/config.js';
import type { ProjectionInput } from '../../activities/projection.js';
import type { DemoOrganisation } from '../../db/demo/generate.js';
import type { RecommendationKind } from '../../workflows/insights.js';
import {
  certifyUpdate,
  getTaskQuery,
  processNowUpdate,
  removeUpdate,
} from '../../workflows/messages.js';
import type { PolicyVersion } from '../../workflows/policy.js';
import type { TaskOutcome } from '../../workflows/review-task.js';
import type { ReviewTaskInput, TaskLogEntry } from '../../workflows/task-state.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually, uniqueId } from '../support/temporal.js';
import { importDemo, subjectOf } from './support.js';

const { db, start, until } = useReviewHarness();

interface DecisionData {
  shown: {
    insights: unknown;
    recommendation: unknown;
    insightsVersion: number;
    instructionsRevision: number;
  };
  recommendationOutcome: string;
  secondsSinceAssigned: number;
}

/** Reads from the history every task-log entry the workflow handed to the projection activity. */
async function projectedEntries(handle: WorkflowHandle): Promise<TaskLogEntry[]> {
  const history = await handle.fetchHistory();
  const entries: TaskLogEntry[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'projectTask') {
      const [input] = (scheduled.input?.payloads ?? []).map((payload) =>
        defaultPayloadConverter.fromPayload<ProjectionInput>(payload),
      );
      entries.push(...(input?.entries ?? []));
    }
    // A closed task's write is a local activity, whose marker keeps the entries it returned.
    const marker = event.markerRecordedEventAttributes;
    const [markerData] = (marker?.details?.data?.payloads ?? []).map((payload) =>
      defaultPayloadConverter.fromPayload<{ activity_type?: string }>(payload),
    );
    if (markerData?.activity_type === 'projectClosedTask') {
      const [written] = (marker!.details!.result?.payloads ?? []).map((payload) =>
        defaultPayloadConverter.fromPayload<TaskLogEntry[]>(payload),
      );
      entries.push(...(written ?? []));
    }
    // A closed task's write now goes through a sink, and the result keeps the entries it wrote.
    const completed = event.workflowExecutionCompletedEventAttributes;
    if (completed) {
      const [outcome] = (completed.result?.payloads ?? []).map((payload) =>
        defaultPayloadConverter.fromPayload<TaskOutcome>(payload),
      );
      entries.push(...(outcome?.closedLog ?? []));
    }
  }
  return entries;
}

/** Reads from the history the input the workflow was started with. */
async function startInput(handle: WorkflowHandle): Promise<ReviewTaskInput> {
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return defaultPayloadConverter.fromPayload<ReviewTaskInput>(started!.input!.payloads![0]!);
}

/**
 * Reads from the history every insights snapshot the task was given: the start input's and
 * each result of `refreshTaskInsights`. Replaying these reproduces what any decision showed.
 */
async function snapshotsInHistory(handle: WorkflowHandle): Promise<unknown[]> {
  const history = await handle.fetchHistory();
  const refreshIds = new Set<string>();
  const snapshots: unknown[] = [(await startInput(handle)).insights];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'refreshTaskInsights') {
      refreshIds.add(String(event.eventId));
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && refreshIds.has(String(completed.scheduledEventId))) {
      const [result] = (completed.result?.payloads ?? []).map((payload) =>
        defaultPayloadConverter.fromPayload<{ insights: unknown } | null>(payload),
      );
      if (result) snapshots.push(result.insights);
    }
  }
  return snapshots;
}

/** Waits for the projection to store the task's decision and returns its `task_event` rows. */
async function decisionRows(taskId: string) {
  const read = () =>
    db.orm.em
      .fork()
      .getConnection()
      .execute<{ type: string; actor_id: number; data: DecisionData }[]>(
        `select type, actor_id, data from task_event
          where task_id = ? and type in ('certified', 'removed') order by seq`,
        [taskId],
      );
  return eventually(read, (rows) => rows.length > 0, { what: `the decision of ${taskId}` });
}

describe('insights provenance', () => {
  let demo: DemoOrganisation;
  let policy: PolicyVersion;
  let byGrant: Map<number, GrantInsights>;
  let superAdminId: number;

  beforeAll(async () => {
    demo = await importDemo(db.orm, { seed: 4, identities: 120 });
    policy = await publishPolicy(db.orm, {
      steps: [step({ name: 'Manager review' })],
      revocation: { mode: 'manual' },
    });
    const grants = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number }[]>(
        `select g.id from "grant" g join account a on a.id = g.account_id
          join identity i on i.id = a.identity_id where i.manager_id is not null order by g.id`,
      );
    byGrant = await computeInsights(
      db.orm.em.fork(),
      grants.map((grant) => grant.id),
      DEFAULT_INSIGHTS_CONFIG,
      new Date(demo.manifest.asOf),
    );
    const [admin] = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number }[]>('select min(id) as id from identity');
    superAdminId = admin!.id;
  });

  function grantWith(kind: RecommendationKind, skip = 0): number {
    const ids = [...byGrant].filter(([, value]) => value.recommendation.kind === kind);
    expect(ids.length).toBeGreaterThan(skip);
    return ids[skip]![0];
  }

  async function startTask(grantId: number) {
    const { insights, recommendation } = byGrant.get(grantId)!;
    const handle = await start({
      taskId: uniqueId('insights-task'),
      campaignId: null,
      campaignName: 'Insights provenance',
      subject: await subjectOf(db.orm, grantId),
      policy,
      insights,
      recommendation,
      instructionsRevision: 3,
      campaignOwnerId: null,
      campaignAdminIds: [],
      superAdminIds: [superAdminId],
    });
    const state = await until(handle, (s) => s.assigneeIds.length > 0, 'the manager assignment');
    return { handle, reviewerId: state.assigneeIds[0]!, insights, recommendation };
  }

  it('records overriding a remove recommendation', async () => {
    const task = await startTask(grantWith('remove'));
    await task.handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: task.reviewerId, comment: 'still needed for the audit' }],
    });

    const [row] = await decisionRows(task.handle.workflowId);
    expect(row?.type).toBe('certified');
    expect(row?.actor_id).toBe(task.reviewerId);
    expect(row?.data.shown.insights).toEqual(task.insights);
    expect(row?.data.shown.recommendation).toEqual(task.recommendation);
    expect(row?.data.shown.instructionsRevision).toBe(3);
    expect(row?.data.shown.insightsVersion).toBe(1);
    expect(row?.data.recommendationOutcome).toBe('overridden');
    expect(row?.data.secondsSinceAssigned).toBeGreaterThanOrEqual(0);

    expect(await snapshotsInHistory(task.handle)).toContainEqual(task.insights);
    expect((await startInput(task.handle)).recommendation).toEqual(task.recommendation);
  });

  it('records following a remove recommendation', async () => {
    const task = await startTask(grantWith('remove', 1));
    await task.handle.executeUpdate(removeUpdate, { args: [{ actorId: task.reviewerId }] });

    const [row] = await decisionRows(task.handle.workflowId);
    expect(row?.type).toBe('removed');
    expect(row?.data.shown.insights).toEqual(task.insights);
    expect(row?.data.shown.recommendation).toEqual(task.recommendation);
    expect(row?.data.recommendationOutcome).toBe('followed');

    // The removal closes the task, so its log entry reaches the projection through a local
    // activity, and the history keeps the entry in that activity's marker.
    const decided = (await projectedEntries(task.handle)).find((e) => e.type === 'removed');
    expect(decided?.data).toEqual(row?.data);
    expect(await snapshotsInHistory(task.handle)).toContainEqual(task.insights);
  });

  it('records a closer look shown', async () => {
    const task = await startTask(grantWith('closer_look'));
    await task.handle.executeUpdate(certifyUpdate, { args: [{ actorId: task.reviewerId }] });

    const [row] = await decisionRows(task.handle.workflowId);
    expect(row?.data.shown.recommendation).toEqual(task.recommendation);
    expect(row?.data.recommendationOutcome).toBe('closer_look_shown');
  });

  it('records no recommendation', async () => {
    const task = await startTask(grantWith('none'));
    await task.handle.executeUpdate(certifyUpdate, { args: [{ actorId: task.reviewerId }] });

    const [row] = await decisionRows(task.handle.workflowId);
    expect(row?.data.shown.insights).toEqual(task.insights);
    expect(row?.data.recommendationOutcome).toBe('no_recommendation');
  });

  it('records refreshed insights after process now', async () => {
    const task = await startTask(grantWith('none', 1));
    await task.handle.executeUpdate(processNowUpdate, { args: [{ actorId: superAdminId }] });
    const refreshed = await until(
      task.handle,
      (s) => s.insightsVersion === 2 && s.assigneeIds.length > 0 && !s.resolvingReviewers,
      'the refreshed insights',
    );
    expect(refreshed.log.map((entry) => entry.type)).toContain('insights_refreshed');
    expect(refreshed.insights?.computedAt).not.toBe(task.insights.computedAt);
    expect(refreshed.insights?.identitiesHoldingResource).toBe(
      task.insights.identitiesHoldingResource,
    );

    await task.handle.executeUpdate(certifyUpdate, {
      args: [{ actorId: refreshed.assigneeIds[0]!, seenInsightsVersion: 2 }],
    });
    const [row] = await decisionRows(task.handle.workflowId);
    expect(row?.data.shown.insights).toEqual(refreshed.insights);
    expect(row?.data.shown.recommendation).toEqual(refreshed.recommendation);
    expect(row?.data.shown.insightsVersion).toBe(2);
    expect(await snapshotsInHistory(task.handle)).toContainEqual(refreshed.insights);
    const state = await task.handle.query(getTaskQuery);
    expect(state.status).toBe('certified');
  });
});
