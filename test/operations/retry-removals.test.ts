import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { removeUpdate } from '../../workflows/messages.js';
import { recert } from '../support/cli.js';
import { connectorFor, useFakeWebhook } from '../support/fake-webhook.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const webhook = useFakeWebhook();
const { db, temporal, start, until } = useReviewHarness({
  connectors: () => [connectorFor(webhook)],
});

describe('recert tasks retry-removals', () => {
  it('retries the failed removals of one campaign and leaves the others', async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step()],
      revocation: { mode: 'automatic', connector: 'hook' },
    });
    const campaignId = 70000 + Math.floor(Math.random() * 10000);
    const inputs = [campaignId, campaignId, campaignId + 1].map((id) =>
      taskInput(org, policy, { campaignId: id }),
    );
    webhook.failAlways(500);
    try {
      const handles = await Promise.all(inputs.map((input) => start(input)));
      for (const handle of handles) {
        await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
        await handle.executeUpdate(removeUpdate, {
          args: [{ actorId: org.ids.manager, comment: 'not needed' }],
        });
      }
      await eventually(
        () =>
          db.orm.em
            .fork()
            .getConnection()
            .execute<{ id: string }[]>(
              `select id from review_task where id in (?) and revocation_status = 'failed'
               and jsonb_array_length(revocation_actor_ids) > 0`,
              [inputs.map((input) => input.taskId)],
            ),
        (rows) => rows.length === 3,
        { what: 'three failed removals in the projection' },
      );
    } finally {
      webhook.failAlways(0);
    }

    const env = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      RECERT_SUPER_ADMINS: org.emails.superAdmin,
      RECERT_DATA_DIR: await mkdtemp(join(tmpdir(), 'recert-retry-')),
    };
    const args = ['tasks', 'retry-removals', '--campaign', String(campaignId)];
    const bare = await recert([...args, '--as', org.emails.superAdmin], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('retry-removals needs --reason TEXT');

    const withActor = [...args, '--as', org.emails.superAdmin, '--reason', 'The target is back'];
    const dryRun = await recert([...withActor, '--dry-run', '--json'], env);
    expect(dryRun.code).toBe(0);
    expect((JSON.parse(dryRun.stdout) as { tasks: string[] }).tasks).toEqual(
      [inputs[0]!.taskId, inputs[1]!.taskId].sort(),
    );

    const done = await recert([...withActor, '--json'], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ applied: 2, rejected: [] });
    for (const input of inputs.slice(0, 2)) {
      const state = await until(
        temporal.client.workflow.getHandle(input.taskId),
        (s) => s.revocation?.status === 'revoked',
        'the retried removal',
      );
      expect(
        state.log.find((e) => e.type === 'revocation_updated' && e.data?.status === 'provisioning'),
      ).toMatchObject({ actorId: org.ids.superAdmin, comment: 'The target is back' });
      expect(webhook.applied).toContain(`revoke:${input.taskId}:2`);
    }
    const other = await until(
      temporal.client.workflow.getHandle(inputs[2]!.taskId),
      (s) => s.revocation?.status === 'failed',
      'the other campaign’s removal',
    );
    expect(other.revocation?.waitingFor?.length).toBeGreaterThan(0);
    expect(webhook.applied.filter((key) => key.startsWith(`revoke:${inputs[2]!.taskId}`))).toEqual(
      [],
    );
  });
});
