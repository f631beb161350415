import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

/** Outcome of one task of a bulk job. */
export interface BulkItem {
  taskId: string;
  /** Whose access to what, as the list showed it. */
  label: string;
  /** skipped: accepting recommendations left the task alone because it does not recommend remove. */
  outcome: 'pending' | 'applied' | 'rejected' | 'unavailable' | 'failed' | 'skipped';
  reason?: string;
}

/**
 * The action of a bulk job: certify, remove, or accept the recommendations, which removes
 * where "remove this access" is recommended and skips the other tasks.
 */
export type BulkDecision = 'certify' | 'remove' | 'accept_recommendations';

/** One bulk decision: the same action and comment applied to many tasks. */
export interface BulkJob {
  id: string;
  ownerId: number;
  decision: BulkDecision;
  createdAt: number;
  items: BulkItem[];
  done: number;
  finishedAt?: number;
  /** Set once a status response has asked the page to reload its list after the job. */
  announced?: boolean;
}

export type BulkItemRunner = (item: BulkItem) => Promise<Pick<BulkItem, 'outcome' | 'reason'>>;

/**
 * Bulk jobs of this web process, kept in memory. A job runs in the process that accepted it,
 * so its progress lives there too: a table would keep the display across a restart but not the
 * work. What each task did is durable anyway (workflow history, task log, audit log), and
 * running a job again is safe because decided tasks reject a second decision.
 */
// NOTE: with several web processes, the status poll must reach the process that runs the job
// (sticky sessions); another process returns 404 for it.
export class BulkJobs {
  private readonly jobs = new Map<string, BulkJob>();

  constructor(
    private readonly log: Logger,
    /** Tasks sent at the same time; bounded so a large job cannot flood Temporal. */
    readonly concurrency = 8,
    /** Finished jobs are forgotten after this long. */
    private readonly keepMs = 60 * 60_000,
  ) {}

  /** Starts a job in the background and returns it at once; `run` handles one task. */
  start(
    ownerId: number,
    decision: BulkJob['decision'],
    items: Omit<BulkItem, 'outcome'>[],
    run: BulkItemRunner,
  ): BulkJob {
    this.forgetOld();
    const job: BulkJob = {
      id: randomBytes(12).toString('base64url'),
      ownerId,
      decision,
      createdAt: Date.now(),
      items: items.map((item) => ({ ...item, outcome: 'pending' })),
      done: 0,
    };
    this.jobs.set(job.id, job);
    this.log.info({ jobId: job.id, ownerId, decision, tasks: items.length }, 'bulk job started');
    void this.runAll(job, run);
    return job;
  }

  /** Returns the job when it exists and belongs to `ownerId`. */
  get(id: string, ownerId: number): BulkJob | undefined {
    const job = this.jobs.get(id);
    return job && job.ownerId === ownerId ? job : undefined;
  }

  private async runAll(job: BulkJob, run: BulkItemRunner) {
    let next = 0;
    const lane = async () => {
      while (next < job.items.length) {
        const item = job.items[next++]!;
        try {
          Object.assign(item, await run(item));
        } catch (error) {
          this.log.error({ err: error, jobId: job.id, taskId: item.taskId }, 'bulk item failed');
          Object.assign(item, {
            outcome: 'failed',
            reason: 'Something went wrong on the server; the error is logged.',
          });
        }
        job.done += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, job.items.length) }, lane));
    job.finishedAt = Date.now();
    const counts = countOutcomes(job);
    this.log.info({ jobId: job.id, ...counts }, 'bulk job finished');
  }

  private forgetOld() {
    const cutoff = Date.now() - this.keepMs;
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && job.finishedAt < cutoff) this.jobs.delete(id);
    }
  }
}

export function countOutcomes(job: BulkJob): Record<BulkItem['outcome'], number> {
  const counts = { pending: 0, applied: 0, rejected: 0, unavailable: 0, failed: 0, skipped: 0 };
  for (const item of job.items) counts[item.outcome] += 1;
  return counts;
}
