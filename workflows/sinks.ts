import type { Sinks } from '@temporalio/workflow';
import type { ProjectionInput } from '../activities/projection.js';

/**
 * Functions the workflows call outside their sandbox. The worker runs them after the
 * activation and before it reports the workflow task, and never while replaying history.
 */
export interface RecertSinks extends Sinks {
  projection: {
    /** Writes a closed task's projection, or hands a failed write to a repair workflow. */
    closed(input: ProjectionInput): void;
  };
}
