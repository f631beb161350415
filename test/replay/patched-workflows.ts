// The same added step behind patched(): new runs take it, and histories recorded before the
// change replay without it, so the change is safe to deploy under running tasks.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { reviewTaskWorkflow as current } from '../../workflows/review-task.js';

const { databaseTime } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function reviewTaskWorkflow(...args: Parameters<typeof current>) {
  if (patched('record-start-clock')) await databaseTime();
  return current(...args);
}
export { campaignWorkflow } from '../../workflows/campaign.js';
export { revocationWorkflow } from '../../workflows/revocation.js';
export { smokeWorkflow } from '../../workflows/smoke.js';
