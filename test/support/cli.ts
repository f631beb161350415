import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const repoRoot = new URL('../..', import.meta.url).pathname;
// An empty data directory, so a developer's running `npm start` in the checkout, whose
// settings the CLI adopts, cannot change what the tests see.
const emptyDataDir = mkdtempSync(join(tmpdir(), 'recert-cli-data-'));

/** Runs `recert ARGS` as a user would, returning exit code, stdout and stderr. */
export async function recert(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/recert.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, LOG_LEVEL: 'warn', RECERT_DATA_DIR: emptyDataDir, ...env },
        maxBuffer: 32 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}
