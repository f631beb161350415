// The worker's workflow bundle entry: every workflow type Recert registers.
export { smokeWorkflow } from './smoke.js';
