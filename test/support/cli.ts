import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const repoRoot = new URL('../..', import.meta.url).pathname;

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
        env: { ...process.env, LOG_LEVEL: 'warn', ...env },
        maxBuffer: 32 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}
