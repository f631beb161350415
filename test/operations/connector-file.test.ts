import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recert } from '../support/cli.js';
import { useTestDatabase } from '../support/database.js';
import { uniqueId } from '../support/temporal.js';

const db = useTestDatabase();
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'recert-connectors-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Runs `recert worker` with `RECERT_CONNECTORS` set to `file` until it exits. */
async function startWorker(file: string, extra: NodeJS.ProcessEnv = {}) {
  const run = await recert(['worker'], {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: uniqueId('connector-file'),
    RECERT_CONNECTORS: file,
    ...extra,
  });
  return { code: run.code, output: run.stdout + run.stderr };
}

describe('connector file at start', () => {
  it('names the file on a YAML error', async () => {
    const file = join(folder, 'broken.yaml');
    await writeFile(file, 'connectors:\n  hook: { type: webhook\n    url: x\n');
    const run = await startWorker(file);
    expect(run.code).toBe(2);
    expect(run.output).toContain(`${file}: invalid YAML or JSON:`);
    // A plain message, not a JSON log line with a stack trace.
    expect(run.output).not.toContain('"level"');
  });

  it('names a missing file', async () => {
    const file = join(folder, 'missing.yaml');
    const run = await startWorker(file);
    expect(run.code).toBe(2);
    expect(run.output).toContain(`${file}: cannot be read (ENOENT)`);
  });

  it('names the unset secret variable', async () => {
    const file = join(folder, 'secret.yaml');
    await writeFile(
      file,
      'allowlist: ["127.0.0.1"]\nconnectors:\n  hook: { type: webhook, url: "http://127.0.0.1:9/revoke", secretEnv: RECERT_TEST_UNSET_SECRET }\n',
    );
    const run = await startWorker(file, { RECERT_TEST_UNSET_SECRET: '' });
    expect(run.code).toBe(2);
    expect(run.output).toContain(
      `${file}: connectors.hook: environment variable RECERT_TEST_UNSET_SECRET is not set.`,
    );
    expect(run.output).not.toContain('"level"');
  });
});
