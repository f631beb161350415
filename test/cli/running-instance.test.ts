import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../../runtime/embedded-postgres.js';
import { ConfigError } from '../../runtime/env.js';
import { recert } from '../support/cli.js';
import { useTestDatabase } from '../support/database.js';
import { seedOrganisation } from '../support/fixtures.js';

const db = useTestDatabase();

// A process that stays alive for the test, standing in for a running `npm start`.
let standIn: ChildProcess;
beforeAll(() => {
  standIn = spawn('sleep', ['120'], { stdio: 'ignore' });
});
afterAll(() => {
  standIn.kill();
});

/** Writes an instance file for `pid` with `env` into a fresh data directory. */
async function dataDirWithInstance(pid: number, env: Record<string, string>): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'recert-instance-'));
  await writeFile(join(dataDir, 'instance.json'), JSON.stringify({ pid, env }));
  return dataDir;
}

const skipStep = (superAdmin: string) => [
  'tasks',
  'skip-step',
  '--query',
  'RecertCampaign = "3"',
  '--as',
  superAdmin,
  '--reason',
  'test',
];

describe('CLI beside a running npm start', () => {
  it('adopts its database, Temporal and roles', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const dataDir = await dataDirWithInstance(standIn.pid!, {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      RECERT_SUPER_ADMINS: org.emails.superAdmin,
    });

    const result = await recert(skipStep(org.emails.superAdmin), { RECERT_DATA_DIR: dataDir });

    // The command got past the role check and reached Temporal, which rejected the query.
    expect(result.stderr).toContain('Temporal rejected the query');
    expect(result.stderr).toContain('RecertCampaignId');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(2);
  });

  it('ignores the file of a stopped instance', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    const stopped = spawn('true');
    await new Promise((resolve) => stopped.once('exit', resolve));
    const dataDir = await dataDirWithInstance(stopped.pid!, {
      DATABASE_URL: db.url,
      RECERT_SUPER_ADMINS: org.emails.superAdmin,
    });

    const result = await recert(skipStep(org.emails.superAdmin), {
      RECERT_DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });

    expect(result.stderr).toContain('is not a super admin');
    expect(result.code).toBe(1);
  });

  it('names the running owner of an embedded server', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'recert-owner-')), 'postgres');
    await writeFile(`${dataDir}.owner.json`, JSON.stringify({ pid: standIn.pid, port: 54999 }));

    const started = startEmbeddedPostgres({ dataDir, port: 54998, password: 'unused' });

    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(`in use by Recert process ${standIn.pid} on port 54999`);
  });
});

describe('CLI messages', () => {
  it('reports an unreachable Temporal without a stack', { timeout: 60_000 }, async () => {
    const result = await recert(['campaign', 'launch', '1'], {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });

    expect(result.stderr).toContain('Cannot reach Temporal at 127.0.0.1:1');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(1);
  });

  it('names an unknown option plainly', { timeout: 60_000 }, async () => {
    const result = await recert(['campaign', 'list', '--bogus'], {});

    expect(result.stderr).toContain('Unknown option --bogus.');
    expect(result.code).toBe(2);
  });
});
