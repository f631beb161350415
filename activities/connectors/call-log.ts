import { Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { PermanentConnectorError } from './types.js';

/** The connector call an activity is about to make, for the `connector_call` table. */
export interface ConnectorCallInfo {
  taskId: string;
  connector: string;
  call: 'revoke' | 'verify';
  idempotencyKey?: string;
}

/**
 * Result of one attempt: `failed` is retried, `exhausted` was the last attempt the retry policy
 * allows, `rejected` is a permanent failure, and `not_checked` is a verification the connector
 * cannot make.
 */
export type ConnectorCallOutcome = 'ok' | 'failed' | 'exhausted' | 'rejected' | 'not_checked';

/**
 * Runs one connector call and appends its attempt and result to `connector_call`, whether the
 * call succeeds or throws. The caller gets the call's result or error, unless writing the row
 * fails: that fails the attempt so the activity retries it, and the idempotency key keeps the
 * target from acting twice.
 */
export async function loggedCall<T>(
  orm: MikroORM,
  info: ConnectorCallInfo,
  call: () => Promise<T>,
): Promise<T> {
  const activity = Context.current().info;
  const startedAt = new Date();
  let outcome: ConnectorCallOutcome = 'ok';
  let detail: string | null = null;
  try {
    const result = await call();
    const reply = result as { detail?: string; revoked?: boolean } | undefined;
    detail = reply?.detail ?? null;
    // A verification that could not read the target back proves nothing either way.
    if (info.call === 'verify' && reply?.revoked === undefined) outcome = 'not_checked';
    return result;
  } catch (error) {
    const maximumAttempts = activity.retryPolicy?.maximumAttempts ?? 0;
    if (error instanceof PermanentConnectorError) outcome = 'rejected';
    else if (maximumAttempts > 0 && activity.attempt >= maximumAttempts) outcome = 'exhausted';
    else outcome = 'failed';
    detail = (error as Error).message ?? String(error);
    throw error;
  } finally {
    await orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into connector_call (task_id, connector, call, idempotency_key, attempt, attempt_key,
           started_at, finished_at, outcome, detail)
         values (?, ?, ?, ?, ?, ?, ?, now(), ?, ?)
         on conflict (attempt_key) do nothing`,
        [
          info.taskId,
          info.connector,
          info.call,
          info.idempotencyKey ?? null,
          activity.attempt,
          `${activity.workflowExecution?.workflowId ?? info.taskId}:${activity.activityId}:${activity.attempt}`,
          startedAt,
          outcome,
          detail,
        ],
      );
  }
}
