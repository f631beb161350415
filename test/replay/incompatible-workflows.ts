// A review task workflow with a step added WITHOUT patched(): it calls an activity before the
// original code runs, so replaying any older history must fail with nondeterminism.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { reviewTaskWorkflow as current } from '../../workflows/review-task.js';

const { databaseTime } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function reviewTaskWorkflow(...args: Parameters<typeof current>) {
  await databaseTime();
  return current(...args);
}
export { campaignWorkflow } from '../../workflows/campaign.js';
export { revocationWorkflow } from '../../workflows/revocation.js';
export { smokeWorkflow } from '../../workflows/smoke.js';
