/** Streams rows into PostgreSQL with `COPY ... FROM STDIN` in the text format. */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | Date | null | undefined;

/** Encodes one value for COPY's text format: `\N` is NULL, and backslash escapes specials. */
function encode(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') {
    return /[\\\t\n\r]/.test(value)
      ? value
          .replace(/\\/g, '\\\\')
          .replace(/\t/g, '\\t')
          .replace(/\n/g, '\\n')
          .replace(/\r/g, '\\r')
      : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

const CHUNK_CHARS = 256 * 1024;

/**
 * Copies rows, or batches of rows that arrive over time, into `table` (already quoted as
 * needed) and resolves with the row count.
 * Rows are batched into chunks of about 256 KB and the stream's backpressure is honoured,
 * so memory stays flat however many rows there are.
 */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: string[],
  rows: Iterable<CopyValue[]> | AsyncIterable<CopyValue[][]>,
): Promise<number> {
  const stream = client.query(
    copyFrom(`copy ${table} (${columns.map((column) => `"${column}"`).join(', ')}) from stdin`),
  );
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let count = 0;
  let chunk = '';
  // Returns a promise only when the stream's buffer is full and the writer must wait for a drain.
  const add = (row: CopyValue[]): Promise<void> | undefined => {
    chunk += row.map(encode).join('\t') + '\n';
    count++;
    if (chunk.length < CHUNK_CHARS) return undefined;
    const flushed = chunk;
    chunk = '';
    if (stream.write(flushed)) return undefined;
    return new Promise<void>((resolve, reject) => {
      stream.once('drain', resolve);
      stream.once('error', reject);
    });
  };
  try {
    if (Symbol.asyncIterator in rows) {
      for await (const batch of rows) {
        for (const row of batch) {
          const drained = add(row);
          if (drained) await drained;
        }
      }
    } else {
      for (const row of rows) {
        const drained = add(row);
        if (drained) await drained;
      }
    }
  } catch (error) {
    // Sends CopyFail, so PostgreSQL rejects the whole COPY and the transaction fails.
    stream.destroy(error as Error);
    await finished.catch(() => undefined);
    throw error;
  }
  stream.end(chunk);
  await finished;
  return count;
}
