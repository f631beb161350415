import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { replaySinks } from '../../activities/closed-task-sink.js';
import { bundleForReplay } from '../../runtime/replay.js';
import { certifyUpdate } from '../../workflows/messages.js';
import { recert } from '../support/cli.js';
import { publishPolicy, seedOrganisation, step, taskInput } from '../support/fixtures.js';
import { loadHistories } from '../support/histories.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

const incompatible = fileURLToPath(new URL('../replay/incompatible-workflows.ts', import.meta.url));
const patchedEntry = fileURLToPath(new URL('../replay/patched-workflows.ts', import.meta.url));
const { db, start, until } = useReviewHarness();

async function replayCommitted(entry: string) {
  const bundle = await bundleForReplay(entry);
  // The fixtures change reviewTaskWorkflow only, so only its histories can tell them apart.
  const histories = (await loadHistories()).filter(
    (h) =>
      h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ===
      'reviewTaskWorkflow',
  );
  const failures: string[] = [];
  for (const { workflowId, history } of histories) {
    try {
      await Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: 'patch-test', sinks: replaySinks },
        history,
        workflowId,
      );
    } catch (error) {
      failures.push(`${workflowId}: ${(error as Error).message}`);
    }
  }
  return { count: histories.length, failures };
}

describe('changing workflow code safely', () => {
  it(
    'breaks old histories when a step is added without patched()',
    { timeout: 120_000 },
    async () => {
      const result = await replayCommitted(incompatible);
      expect(result.count).toBeGreaterThanOrEqual(3);
      expect(result.failures).toHaveLength(result.count);
      expect(result.failures[0]).toMatch(/nondetermin/i);
    },
  );

  it('replays old histories when the step is behind patched()', { timeout: 120_000 }, async () => {
    const result = await replayCommitted(patchedEntry);
    expect(result.failures).toEqual([]);
  });
});

describe('recert replay', () => {
  let env: NodeJS.ProcessEnv;
  let query: string;

  beforeAll(async () => {
    const org = await seedOrganisation(db.orm);
    const policy = await publishPolicy(db.orm, { steps: [step()], revocation: { mode: 'manual' } });
    const campaignId = 70000 + Math.floor(Math.random() * 1000);
    const closed = await start(taskInput(org, policy, { campaignId }));
    const open = await start(taskInput(org, policy, { campaignId }));
    await until(closed, (s) => s.assigneeIds.length > 0, 'assignment');
    await until(open, (s) => s.assigneeIds.length > 0, 'assignment');
    await closed.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.manager }] });
    await closed.result();
    env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
    query = `RecertCampaignId = "${campaignId}"`;
    // Visibility lags behind the starts.
    await eventually(
      async () =>
        JSON.parse((await recert(['replay', '--query', query, '--json'], env)).stdout || '{}') as {
          replayed?: number;
        },
      (report) => report.replayed === 2,
      { what: 'both histories to be listed', timeoutMs: 60_000, intervalMs: 1_000 },
    );
  });

  it('passes on the current code', { timeout: 120_000 }, async () => {
    const result = await recert(['replay', '--query', query], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Replayed 2 histories: 0 failed.');
  });

  it('fails with the workflow id after an incompatible change', { timeout: 120_000 }, async () => {
    const result = await recert(['replay', '--query', query, '--workflows', incompatible], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Replayed 2 histories: 2 failed.');
    expect(result.stdout).toMatch(/task-[0-9a-f]+ \(run [0-9a-f-]+\): .*[Nn]ondetermin/);
    expect(result.stdout).toContain('patched()');
  });

  it('passes after the same change behind patched()', { timeout: 120_000 }, async () => {
    const result = await recert(['replay', '--query', query, '--workflows', patchedEntry], env);
    expect(result.code).toBe(0);
  });

  it('fails when nothing matches', { timeout: 120_000 }, async () => {
    const result = await recert(['replay', '--campaign', '987654321'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No workflow histories matched campaign 987654321');
  });

  it('names a missing workflows file', async () => {
    const result = await recert(['replay', '--workflows', 'no/such/workflows.ts'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workflows no/such/workflows.ts: file not found');
  });
});
