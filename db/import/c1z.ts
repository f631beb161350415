/**
 * Baton c1z v1 files: the 5 bytes `C1ZF\0`, then a zstd stream of a SQLite database whose
 * `v1_*` tables hold one protobuf-encoded Baton message per row. This module checks the
 * header and unpacks the database; c1z-reader.ts reads its tables.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { Decompress } from 'fzstd';
import { readC1zDatabase } from './c1z-reader.js';
import { toApplicationKey } from './normalise.js';
import { ImportFileError, type Importer } from './types.js';

const V1_HEADER = 'C1ZF\0';
const PEBBLE_HEADER = 'C1Z3\0';

function header(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 5)).toString('latin1');
}

export const c1zImporter: Importer = {
  format: 'c1z',

  detect(head) {
    const start = header(head);
    return start === V1_HEADER || start === PEBBLE_HEADER;
  },

  async parse(bytes, options) {
    const start = header(bytes);
    if (start === PEBBLE_HEADER) {
      throw new ImportFileError(
        options.file,
        'this is a c1z file in the Pebble format (header C1Z3), and Recert reads only the SQLite format (header C1ZF). ' +
          'Run the sync again with a connector built on a baton-sdk release that writes the SQLite format, ' +
          'or export the data as baton-file JSON, and import that file.',
      );
    }
    if (start !== V1_HEADER) {
      throw new ImportFileError(
        options.file,
        `not a c1z file: it does not start with the c1z header "C1ZF\\0". Check the file, or pass the right --format.`,
      );
    }

    // better-sqlite3 cannot open a WAL-mode database from memory, so the decompressed bytes
    // go to a private temporary folder, which the finally block below removes.
    const folder = await mkdtemp(join(tmpdir(), 'recert-c1z-'));
    const path = join(folder, 'sync.db');
    try {
      await decompressToFile(bytes.subarray(5), path, options.file);
      let sqlite: Database.Database;
      try {
        sqlite = new Database(path, { readonly: true, fileMustExist: true });
      } catch (error) {
        throw corrupt(options.file, error);
      }
      try {
        return await readC1zDatabase(
          sqlite,
          options,
          options.application ?? defaultApplicationKey(options.file),
        );
      } catch (error) {
        if (error instanceof ImportFileError) throw error;
        if (error instanceof Database.SqliteError) throw corrupt(options.file, error);
        throw error;
      } finally {
        sqlite.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  },
};

/**
 * Decompresses the zstd stream into `path`. Each decompressed block is handed to the file
 * as soon as it exists; the writes run on libuv's thread pool while decompression goes on.
 */
async function decompressToFile(compressed: Uint8Array, path: string, file: string) {
  const handle = await open(path, 'wx', 0o600);
  const writes: Promise<unknown>[] = [];
  let position = 0;
  let finished = false;
  try {
    const stream = new Decompress((chunk, final) => {
      // The decoder may reuse its buffers, so each write gets its own copy.
      writes.push(handle.write(chunk.slice(), 0, chunk.length, position));
      position += chunk.length;
      if (final) finished = true;
    });
    const step = 1 << 20;
    for (let offset = 0; offset < compressed.length; offset += step) {
      const end = Math.min(offset + step, compressed.length);
      stream.push(compressed.subarray(offset, end), end === compressed.length);
    }
    if (!finished) throw new Error('unexpected end of the zstd stream');
  } catch (error) {
    throw new ImportFileError(
      file,
      `the c1z file is truncated or corrupt: its zstd stream cannot be decompressed (${(error as Error).message}). ` +
        'Copy or download the file again.',
    );
  } finally {
    await Promise.allSettled(writes);
    await handle.close();
  }
  await Promise.all(writes);
}

function corrupt(file: string, error: unknown) {
  return new ImportFileError(
    file,
    `the c1z file is corrupt: its SQLite database cannot be read (${(error as Error).message}). ` +
      'Copy or download the file again.',
  );
}

/**
 * Derives the application key of a c1z file imported without `--application`: its name up
 * to the first dot, so `github.c1z` and `github.2025-06-01.c1z` are snapshots of one
 * application.
 */
export function defaultApplicationKey(file: string): string {
  const name = basename(file).split('.')[0] ?? '';
  return toApplicationKey(name) || 'baton';
}
