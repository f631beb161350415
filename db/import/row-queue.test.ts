import { describe, expect, it } from 'vitest';
import { RowQueue } from './row-queue.js';

async function drain<T>(queue: RowQueue<T>) {
  const rows: T[] = [];
  for await (const batch of queue) rows.push(...batch);
  return rows;
}

describe('RowQueue', () => {
  it('delivers batches pushed before and after draining starts', async () => {
    const queue = new RowQueue<number>();
    queue.push([1, 2]);
    const drained = drain(queue);
    await new Promise((resolve) => setImmediate(resolve));
    queue.push([3]);
    queue.push([]);
    queue.end();
    expect(await drained).toEqual([1, 2, 3]);
  });

  it('raises the producer failure', async () => {
    const queue = new RowQueue<number>();
    const drained = drain(queue);
    queue.fail(new Error('decoding failed'));
    await expect(drained).rejects.toThrow('decoding failed');
  });
});
