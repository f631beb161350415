import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { inject } from 'vitest';

export const historiesDir = fileURLToPath(new URL('../histories', import.meta.url));

/**
 * Saves a closed workflow's history under `test/histories/NAME.json` when the run sets
 * `RECORD_HISTORIES=1`. Committed histories are replayed on every test run.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  // The CLI writes the same JSON that the Temporal UI downloads and `historyFromJSON` reads.
  const { stdout } = await promisify(execFile)(
    inject('temporalCliPath'),
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      '--output',
      'json',
      '--address',
      inject('temporalAddress'),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await mkdir(historiesDir, { recursive: true });
  await writeFile(join(historiesDir, `${name}.json`), stdout);
}

/** Every committed history, with the workflow id taken from its file name. */
export async function loadHistories() {
  const names = (await readdir(historiesDir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      workflowId: name.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(join(historiesDir, name), 'utf8'))),
    })),
  );
}
