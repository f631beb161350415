import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs } from '../temporal.config.js';
import { findPortOutsideEphemeralRange } from './ports.js';

export interface DevServerOptions {
  binary: string;
  port: number;
  /** Web UI port, or undefined to run headless. */
  uiPort?: number;
  /** SQLite file that keeps state across restarts; in memory when unset. */
  dbFile?: string;
  namespace?: string;
  /** How long to wait for the server to answer before giving up. */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A running `temporal server start-dev` child process. */
export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal dev server with Recert's search attributes and polls until it answers.
 * Polling replaces the SDK's fixed 5-second start window, which a cold SQLite file can exceed.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    // An activity scheduled by a workflow task on this worker's queue comes back in the reply
    // to that task instead of through matching. Every transition's projection write is such an
    // activity, so this shortens the work each decision leaves on the server.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // The dev server picks its own metrics port, which can collide between parallel runs. A
    // port from the ephemeral range could also be taken by the dev server's internal services.
    '--metrics-port',
    String(await findPortOutsideEphemeralRange()),
    ...devServerSearchAttributeArgs(),
  ];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  if (options.dbFile) {
    await mkdir(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=WAL');
  }

  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-8_000);
    for (const line of text.split('\n')) if (line.trim()) options.log?.(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `temporal server start-dev exited with ${exited} before answering:\n${output}`,
      );
    }
    if (await answers(address, namespace)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not answer on ${address} in time:\n${output}`);
    }
    await sleep(200);
  }

  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    stop: () => stopChild(child),
  };
}

async function answers(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Sends SIGTERM, then SIGKILL after a grace period, and resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
