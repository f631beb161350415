import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';

const BLOCK = 512;

/** Writes `value` as a zero-padded octal number of `width - 1` digits and a NUL. */
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** Builds a POSIX ustar header for one regular file (names up to 100 bytes). */
function header(name: string, size: number, mtime: Date): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write(octal(0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  // The checksum is the byte sum of the header with its own field read as spaces.
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/**
 * Streams files as an uncompressed tar archive (POSIX ustar), one file at a time, so an
 * evidence download needs no more memory than a read buffer. `tar -xf` and Windows' built-in
 * tar extract it.
 */
export async function* tarArchive(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    const info = await stat(path);
    yield header(basename(path), info.size, info.mtime);
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
    const padding = (BLOCK - (info.size % BLOCK)) % BLOCK;
    if (padding) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(BLOCK * 2);
}
