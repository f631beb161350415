// The worker's workflow bundle entry: every workflow type Recert registers.
export { campaignWorkflow } from './campaign.js';
export { reviewTaskWorkflow } from './review-task.js';
export { revocationWorkflow } from './revocation.js';
export { smokeWorkflow } from './smoke.js';
export { projectionRepairWorkflow } from './projection-repair.js';
