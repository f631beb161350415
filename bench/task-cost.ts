// Measures what one review task costs Temporal: history events and bytes for the common
// paths (launched with its first step assigned, then certified or removed). These numbers
// feed docs/scaling.md. Run: node --import tsx bench/task-cost.ts
import proto from '@temporalio/proto';
import { certifyUpdate, removeUpdate } from '../workflows/messages.js';
import { reviewTaskWorkflow } from '../workflows/review-task.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../test/support/fixtures.js';
import { machine, startBenchStack } from './lib/stack.js';

const stack = await startBenchStack();
try {
  const org = await seedOrganisation(stack.orm);
  const oneStep = await publishPolicy(stack.orm, {
    steps: [step()],
    revocation: { mode: 'manual' },
  });
  const twoSteps = await publishPolicy(stack.orm, {
    steps: [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
    revocation: { mode: 'manual' },
  });

  async function run(
    label: string,
    policy: typeof oneStep,
    decide: (taskId: string) => Promise<void>,
  ) {
    const input = taskInput(org, policy, {
      firstStepAssigneeIds: [org.ids.manager],
      firstStepNotified: true,
    });
    const handle = await stack.client.workflow.start(reviewTaskWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: input.taskId,
      args: [input],
    });
    await decide(input.taskId);
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const bytes = proto.temporal.api.history.v1.History.encode(history).finish().length;
    if (process.env.SHOW_EVENTS)
      console.log(events.map((e) => `${e.eventId}:${String(e.eventType)}`).join(' '));
    console.log(
      `${label.padEnd(44)} ${String(events.length).padStart(4)} events ${String(bytes).padStart(7)} bytes`,
    );
  }

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await run('one step, certified', oneStep, async (id) => {
    await wait(500);
    await stack.client.workflow
      .getHandle(id)
      .executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
  });
  await run('two steps, both certified', twoSteps, async (id) => {
    await wait(500);
    const handle = stack.client.workflow.getHandle(id);
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await wait(1000);
    await handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.appOwner }] });
  });
  await run('one step, removed (parent only; manual revocation)', oneStep, async (id) => {
    await wait(500);
    await stack.client.workflow
      .getHandle(id)
      .executeUpdate(removeUpdate, { args: [{ actorId: org.ids.manager }] });
    await wait(1500);
    const { markProvisionedUpdate } = await import('../workflows/messages.js');
    await stack.client.workflow
      .getHandle(`${id}/revocation`)
      .executeUpdate(markProvisionedUpdate, { args: [{ actorId: org.ids.appOwner }] });
  });
  console.log(`machine: ${machine()}`);
} finally {
  await stack.close();
}
