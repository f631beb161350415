import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decompress } from 'fzstd';

/**
 * Wraps bytes in a zstd frame of raw (stored) blocks, as RFC 8878 section 3.1 describes, so
 * tests can write c1z files without a zstd compressor.
 */
export function zstdStored(data: Uint8Array): Buffer {
  const blockSize = 128 * 1024;
  // Magic number, then a frame header descriptor of 0 (no content size, no checksum, no
  // dictionary) and a window descriptor for 2^17 bytes, the largest block.
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  for (let offset = 0; offset === 0 || offset < data.length; offset += blockSize) {
    const block = data.subarray(offset, offset + blockSize);
    const last = offset + blockSize >= data.length ? 1 : 0;
    const header = (block.length << 3) | last; // block type 0 (raw) in bits 1 and 2
    parts.push(
      Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]),
      Buffer.from(block),
    );
  }
  return Buffer.concat(parts);
}

/**
 * Copies a real c1z file with its SQLite database changed by `edit`, and returns the path
 * of the new c1z file.
 */
export async function editedC1z(
  source: string,
  edit: (database: Database.Database) => void,
): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'recert-c1z-test-'));
  const databasePath = join(folder, 'sync.db');
  const original = await readFile(source);
  await writeFile(databasePath, decompress(original.subarray(5)));
  const database = new Database(databasePath);
  try {
    edit(database);
    // Folds the write-ahead log into the main file, which is all the c1z file carries.
    database.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    database.close();
  }
  const edited = join(folder, 'edited.c1z');
  await writeFile(
    edited,
    Buffer.concat([Buffer.from('C1ZF\0', 'latin1'), zstdStored(await readFile(databasePath))]),
  );
  return edited;
}
