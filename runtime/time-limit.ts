import type { Client } from '@temporalio/client';

/**
 * Runs Temporal client calls with a time limit that cancels them when it passes. Racing a
 * timer instead would leave the call, and its retries, running after the caller gave up.
 */
export async function withTimeLimit<T>(
  client: Client,
  timeoutMs: number,
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  timer.unref();
  try {
    return await client.withAbortSignal(controller.signal, fn);
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`${operation} timed out after ${timeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
