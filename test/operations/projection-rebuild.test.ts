import { describe, expect, inject, it } from 'vitest';
import { certifyUpdate, commentUpdate, removeUpdate } from '../../workflows/messages.js';
import { recert } from '../support/cli.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const { db, start, until } = useReviewHarness();

const columns = `id, campaign_id, grant_id, application_id, resource_id, account_id, subject_identity_id, status,
  revocation_status, assignee_id, assignee_ids, step_index, step_name, policy_name, policy_version, state_version,
  risk_level, recommendation, summary, step_due_at, closed_at`;

describe('projection rebuild', () => {
  it('recreates dropped rows exactly', { timeout: 180_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, {
      steps: [step(), step({ name: 'Owner review', reviewer: { kind: 'application_owner' } })],
      revocation: { mode: 'manual' },
    });
    const campaignId = 80000 + Math.floor(Math.random() * 1000);
    const handles = await Promise.all(
      [0, 1, 2, 3].map(() => start(taskInput(org, policy, { campaignId }))),
    );
    for (const handle of handles)
      await until(handle, (s) => s.assigneeIds.length > 0, 'assignment');
    await handles[0]!.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await handles[1]!.executeUpdate(removeUpdate, {
      args: [{ actorId: org.ids.manager, comment: 'gone' }],
    });
    await handles[2]!.executeUpdate(commentUpdate, {
      args: [{ actorId: org.ids.manager, text: 'asking' }],
    });
    await until(handles[0]!, (s) => s.stepIndex === 1 && s.assigneeIds.length > 0, 'step 2');
    await until(
      handles[1]!,
      (s) => s.revocation?.status === 'awaiting_manual',
      'manual revocation',
    );

    const db0 = db.orm.em.fork().getConnection();
    const snapshot = () =>
      db0.execute(`select ${columns} from review_task where campaign_id = ? order by id`, [
        campaignId,
      ]);
    // Wait for the projection to settle: every row at its workflow's latest version.
    const before = await eventually(
      async () => {
        const rows = (await snapshot()) as { id: string; state_version: number }[];
        const versions = new Map(
          await Promise.all(
            handles.map(
              async (h) =>
                [
                  h.workflowId,
                  ((await h.query('getTask')) as { version: number }).version,
                ] as const,
            ),
          ),
        );
        return {
          rows,
          // Each row must be at its own workflow's latest version, not just at some version.
          settled:
            rows.length === 4 && rows.every((row) => versions.get(row.id) === row.state_version),
        };
      },
      (value) => value.settled,
      { what: 'the projection to settle' },
    );

    await db0.execute('delete from review_task where campaign_id = ?', [campaignId]);
    expect(await snapshot()).toHaveLength(0);

    const env = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress') };
    const result = await eventually(
      () => recert(['projections', 'rebuild', '--campaign', String(campaignId), '--json'], env),
      (run) => run.code === 0 && (JSON.parse(run.stdout) as { rebuilt: number }).rebuilt === 4,
      { what: 'visibility to list the four tasks', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ found: 4, rebuilt: 4, failed: [] });
    expect(await snapshot()).toEqual(before.rows);
  });
});
