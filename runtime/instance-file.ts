import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Settings of a running `npm start`, kept in `<data dir>/instance.json` while it runs. */
export interface InstanceFile {
  pid: number;
  /** Recert's environment variables as `npm start` resolved them. */
  env: Record<string, string>;
}

const FILE = 'instance.json';

/** Names of the variables the file keeps: Recert's, Temporal's and the database URL. */
const isKeptVariable = (name: string) =>
  name.startsWith('RECERT_') || name.startsWith('TEMPORAL_') || name === 'DATABASE_URL';

/** Returns whether a process with this id is running. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes the instance file (mode 0600, since the variables may contain secrets). `resolved`
 * adds values `npm start` chose itself, such as the embedded PostgreSQL port.
 */
export async function writeInstanceFile(
  dataDir: string,
  resolved: Record<string, string>,
): Promise<void> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (isKeptVariable(name) && value !== undefined) env[name] = value;
  }
  const file: InstanceFile = { pid: process.pid, env: { ...env, ...resolved } };
  await writeFile(join(dataDir, FILE), JSON.stringify(file, null, 2), { mode: 0o600 });
}

export async function removeInstanceFile(dataDir: string): Promise<void> {
  await rm(join(dataDir, FILE), { force: true });
}

/** Reads the instance file of a running `npm start`; undefined when none is running. */
export function readRunningInstance(dataDir: string): InstanceFile | undefined {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) return undefined;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as InstanceFile;
    return Number.isInteger(file.pid) && processRunning(file.pid) ? file : undefined;
  } catch {
    // A file cut short by a crash is treated as absent.
    return undefined;
  }
}

/**
 * Fills the variables that `env` does not set from the running `npm start` in the data
 * directory, so CLI commands reach the same database, Temporal server and role settings.
 * Returns the names it filled.
 */
export function adoptRunningInstance(env: NodeJS.ProcessEnv = process.env): string[] {
  const instance = readRunningInstance(resolve(env.RECERT_DATA_DIR ?? '.data'));
  if (!instance) return [];
  const filled: string[] = [];
  for (const [name, value] of Object.entries(instance.env)) {
    // An empty variable counts as unset, as the configuration loaders treat it.
    if (!env[name] && isKeptVariable(name)) {
      env[name] = value;
      filled.push(name);
    }
  }
  return filled;
}
