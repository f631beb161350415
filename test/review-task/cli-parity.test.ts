import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { taskMessages, type TaskActionType } from '../../workflows/messages.js';
import type { TaskState } from '../../workflows/task-state.js';
import {
  publishPolicy,
  seedOrganisation,
  step,
  taskInput,
  type Organisation,
} from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';

const run = promisify(execFile);
const { db, start, until } = useReviewHarness();

/** The parts of a task's state an action changes, without ids and times that differ per run. */
function effect(state: TaskState, org: Organisation) {
  const byId = new Map(Object.entries(org.ids).map(([name, id]) => [id, name]));
  return {
    status: state.status,
    stepIndex: state.stepIndex,
    assignees: state.assigneeIds.map((id) => byId.get(id)),
    policyVersion: state.policy.version,
    log: state.log.map((e) => [
      e.type,
      e.actorId === null ? null : byId.get(e.actorId),
      e.comment ?? null,
    ]),
  };
}

// A manual revocation passes through provisioning on its way to awaiting_manual.
const settled = (s: TaskState) =>
  !s.resolvingReviewers &&
  (s.closed || s.assigneeIds.length > 0) &&
  s.revocation?.status !== 'provisioning';

/** Waits until follow-up effects (reviewer resolution, policy load) have landed. */
async function stable(handle: Parameters<typeof until>[0]): Promise<TaskState> {
  let previous = await until(handle, settled, 'a settled state');
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const current = await until(handle, settled, 'a settled state');
    if (current.version === previous.version) return current;
    previous = current;
  }
}

describe('temporal CLI signals and web updates', () => {
  const cases: [TaskActionType, (org: Organisation) => Record<string, unknown>][] = [
    ['certify', (org) => ({ actorId: org.ids.manager, comment: 'ok' })],
    ['remove', (org) => ({ actorId: org.ids.manager, comment: 'not needed' })],
    [
      'reassign',
      (org) => ({ actorId: org.ids.manager, toIdentityId: org.ids.outsider, reason: 'on leave' }),
    ],
    ['comment', (org) => ({ actorId: org.ids.campaignAdmin, text: 'please decide' })],
    ['sendReminder', (org) => ({ actorId: org.ids.campaignAdmin })],
    ['skipStep', (org) => ({ actorId: org.ids.superAdmin, reason: 'skip' })],
    ['restart', (org) => ({ actorId: org.ids.superAdmin, reason: 'wrong reviewer' })],
    ['hardReset', (org) => ({ actorId: org.ids.superAdmin, reason: 'new version' })],
    [
      'changePolicy',
      (org) => ({
        actorId: org.ids.superAdmin,
        policyName: org.emails.subject.split('@')[0],
        reason: 'stricter policy',
      }),
    ],
    ['cancel', (org) => ({ actorId: org.ids.superAdmin, reason: 'duplicate' })],
    ['processNow', (org) => ({ actorId: org.ids.superAdmin })],
    [
      'closeByCampaign',
      (org) => ({ actorId: org.ids.campaignAdmin, outcome: 'certify', reason: 'campaign closed' }),
    ],
    // A rejected action must have no effect on either path (here: not the assignee).
    ['certify', (org) => ({ actorId: org.ids.outsider })],
  ];

  it.each(cases)(
    '%s has the same effect both ways',
    { timeout: 60_000 },
    async (type, payloadFor) => {
      const org = await seedOrganisation(db.orm);
      const steps = [
        step(),
        step({ name: 'Owner review', reviewer: { kind: 'application_owner' } }),
      ];
      const policy = await publishPolicy(db.orm, { steps, revocation: { mode: 'manual' } });
      // changePolicy targets a policy named after this test's subject, published here.
      await publishPolicy(db.orm, {
        name: org.emails.subject.split('@')[0],
        steps: [step({ reviewer: { kind: 'application_owner' } })],
        revocation: { mode: 'manual' },
      });
      const payload = payloadFor(org);
      const results = [];

      for (const path of ['cli', 'update'] as const) {
        const handle = await start(taskInput(org, policy));
        const before = await until(handle, settled, 'the first assignment');
        if (path === 'cli') {
          await run(inject('temporalCliPath'), [
            'workflow',
            'signal',
            '--address',
            inject('temporalAddress'),
            '--workflow-id',
            handle.workflowId,
            '--name',
            type,
            '--input',
            JSON.stringify(payload),
          ]);
        } else {
          const update = taskMessages[type].update as typeof taskMessages.certify.update;
          await handle.executeUpdate(update, { args: [payload as never] }).catch(() => undefined);
        }
        // The signal is applied asynchronously; the update had been applied when it returned.
        if (path === 'cli')
          await until(handle, (s) => s.version > before.version, 'the signal to be applied');
        results.push({ path, effect: effect(await stable(handle), org) });
      }

      const [cli, update] = results;
      const rejected = type === 'certify' && payload.actorId === org.ids.outsider;
      if (rejected) {
        // A signal cannot answer, so the workflow logs the rejection; an update is rejected before it reaches history.
        expect(cli!.effect.log.at(-1)?.[0]).toBe('rejected');
        expect({ ...cli!.effect, log: cli!.effect.log.slice(0, -1) }).toEqual(update!.effect);
      } else {
        expect(cli!.effect).toEqual(update!.effect);
      }
    },
  );
});

describe('workflow metadata', () => {
  it('describes every message for the Temporal UI', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const handle = await start(taskInput(org, policy));
    await until(handle, settled, 'the first assignment');
    const { stdout } = await run(inject('temporalCliPath'), [
      'workflow',
      'metadata',
      '--address',
      inject('temporalAddress'),
      '--workflow-id',
      handle.workflowId,
      '--output',
      'json',
    ]);
    type Definitions = Record<
      'signalDefinitions' | 'updateDefinitions',
      { name: string; description?: string }[]
    >;
    const [metadata] = (JSON.parse(stdout) as { queryResult: { definition: Definitions }[] })
      .queryResult;
    const definition = metadata!.definition;
    for (const kind of ['signalDefinitions', 'updateDefinitions'] as const) {
      const described = new Map(definition[kind].map((d) => [d.name, d.description ?? '']));
      for (const type of Object.keys(taskMessages)) {
        expect(described.get(type), `${kind} ${type}`).toMatch(/"actorId"/);
      }
    }
    const internal = definition.signalDefinitions.find((d) => d.name === 'revocationProgress');
    expect(internal?.description).toContain('Internal');
  });
});
