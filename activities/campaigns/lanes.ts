/**
 * Runs `work` on every item with at most `concurrency` calls in flight, in item order. Stops
 * taking new items once `signal` is aborted and then rejects with its reason; the first
 * failure of `work` stops the rest and rejects too.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function lane() {
    while (next < items.length && !failure) {
      if (signal?.aborted) {
        failure ??= { error: signal.reason };
        return;
      }
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (failure) throw failure.error;
}
