import { spawn, spawnSync } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * CLI versions tried in order. v1.6.0 and later cannot be built with `go install pkg@version`
 * because their go.mod replaces a nested module that the module proxy does not serve.
 */
export const TEMPORAL_CLI_VERSIONS = ['1.5.1', '1.5.0', '1.4.1'] as const;

const CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
const LOCK_STALE_MS = 30 * 60_000;

type Log = (message: string) => void;

/** Raised when no Temporal CLI can be found, built or downloaded. */
export class TemporalCliNotFoundError extends Error {
  override name = 'TemporalCliNotFoundError';
}

/** The per-machine folder shared by every checkout, so the CLI is built once per machine. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'recert');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Runs the binary's `--version` and rejects anything that is not a working Temporal CLI. */
function readVersion(path: string): string | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) return undefined;
  const match = /temporal version (\S+)/.exec(result.stdout);
  return match?.[1];
}

/**
 * Finds the `temporal` binary in this order: `TEMPORAL_CLI_PATH`, `PATH`, the per-machine
 * cache; builds it into the cache with Go when none exists; falls back to the SDK's download.
 */
export async function findOrBuildTemporalCli(
  options: { env?: NodeJS.ProcessEnv; log?: Log } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));

  if (env.TEMPORAL_CLI_PATH) {
    if (!(await isExecutable(env.TEMPORAL_CLI_PATH))) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file. Point it at a temporal binary or unset it.`,
      );
    }
    return env.TEMPORAL_CLI_PATH;
  }

  const onPath = await findOnPath(env);
  if (onPath && readVersion(onPath)) return onPath;

  for (const version of TEMPORAL_CLI_VERSIONS) {
    const cached = join(cacheRoot(env), `temporal-${version}`, 'temporal');
    if (await isExecutable(cached)) return cached;
  }

  if (hasGo(env)) {
    const failures: string[] = [];
    for (const version of TEMPORAL_CLI_VERSIONS) {
      try {
        return await buildWithLock(version, env, log);
      } catch (error) {
        failures.push(`v${version}: ${(error as Error).message}`);
        log(`Building Temporal CLI v${version} failed; trying the next version.`);
      }
    }
    log(`Go could not build the Temporal CLI:\n${failures.join('\n')}`);
  }

  return downloadWithSdk(env, log);
}

function hasGo(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('go', ['version'], { env, encoding: 'utf8' }).status === 0;
}

/**
 * Builds one CLI version into the cache. A lock directory keeps two concurrent runs (two
 * clones, or CI and a developer) from building at once; the loser waits for the winner.
 */
async function buildWithLock(version: string, env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  const dir = join(cacheRoot(env), `temporal-${version}`);
  const binary = join(dir, 'temporal');
  const lock = join(cacheRoot(env), `temporal-${version}.lock`);
  await mkdir(cacheRoot(env), { recursive: true });

  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStaleLock(lock)) {
        log(`Removing a stale build lock at ${lock}.`);
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      log(`Another process is building Temporal CLI v${version}; waiting for ${lock} to go away.`);
      await sleep(5_000);
      if (await isExecutable(binary)) return binary;
    }
  }

  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    if (await isExecutable(binary)) return binary;
    return await goInstall(version, dir, env, log);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function isStaleLock(lock: string): Promise<boolean> {
  try {
    const pid = Number(await readFile(join(lock, 'pid'), 'utf8'));
    if (pid > 0) {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
    }
    return Date.now() - (await stat(lock)).mtimeMs > LOCK_STALE_MS;
  } catch {
    // The winner creates the pid file right after the directory, so give it a moment.
    return Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > 60_000;
  }
}

async function goInstall(
  version: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  log: Log,
): Promise<string> {
  // Build into a scratch folder and rename, so a killed build never leaves a half binary.
  const scratch = `${dir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  log(
    `Building Temporal CLI v${version} with Go into ${dir}. This happens once per machine; a cold module cache takes several minutes.`,
  );

  const args = [
    'install',
    '-ldflags',
    `-s -w -X github.com/temporalio/cli/temporalcli.Version=${version}`,
    `${CLI_PACKAGE}@v${version}`,
  ];
  const started = Date.now();
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn('go', args, {
      env: { ...env, GOBIN: scratch, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let output = '';
    let downloads = 0;
    const ticker = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      log(`  still building (${seconds} s, ${downloads} modules downloaded)`);
    }, 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      output += chunk;
      downloads += chunk.split('go: downloading').length - 1;
    });
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve(output);
      else reject(new Error(`go ${args.join(' ')} exited with ${code}:\n${output.trim()}`));
    });
  });

  const built = join(scratch, 'temporal');
  const reported = readVersion(built);
  if (!reported) {
    throw new Error(`the build finished but ${built} does not run:\n${stderr.trim()}`);
  }
  await rm(dir, { recursive: true, force: true });
  await rename(scratch, dir);
  log(`Built Temporal CLI ${reported} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return join(dir, 'temporal');
}

/** Last resort without Go: the SDK downloads the CLI, which needs internet access. */
async function downloadWithSdk(env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  const downloadDir = join(cacheRoot(env), 'sdk-download');
  const existing = await findDownloaded(downloadDir);
  if (existing) return existing;

  log(`Go is not available; asking the Temporal SDK to download the CLI into ${downloadDir}.`);
  try {
    await mkdir(downloadDir, { recursive: true });
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const testEnv = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await testEnv.teardown();
  } catch (error) {
    throw new TemporalCliNotFoundError(
      [
        `No Temporal CLI found and the SDK download failed: ${(error as Error).message}`,
        'Install one of these and run again:',
        '  - Go 1.25 or newer (https://go.dev/dl/); Recert then builds the CLI once per machine, or',
        '  - the Temporal CLI v1.5.x on PATH, or set TEMPORAL_CLI_PATH to its binary.',
      ].join('\n'),
    );
  }
  const downloaded = await findDownloaded(downloadDir);
  if (!downloaded) {
    throw new TemporalCliNotFoundError(
      `The SDK reported a download but no binary is in ${downloadDir}.`,
    );
  }
  return downloaded;
}

async function findDownloaded(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  for (const name of await readdir(dir)) {
    const candidate = join(dir, name);
    if (name.startsWith('temporal') && (await isExecutable(candidate)) && readVersion(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

// `tsx runtime/temporal-cli.ts` prints the binary's path; `npm test` runs it as `pretest`.
if (import.meta.url === `file://${process.argv[1]}`) {
  findOrBuildTemporalCli()
    .then((path) => {
      process.stdout.write(`${path}\n`);
    })
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    });
}
