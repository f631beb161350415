import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateDemoOrganisation, type DemoManifest } from '../../db/demo/generate.js';
import { useTestDatabase } from '../support/database.js';
import { dataFile } from './support.js';

const db = useTestDatabase();
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

function recert(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, ['--import', 'tsx', 'cli/recert.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env },
  });
}

describe('recert import', () => {
  it('prints one JSON summary for a dry run', async () => {
    const { stdout, stderr } = await recert([
      'import',
      dataFile('baton-c1z/demo-1k-users.expanded.c1z'),
      '--dry-run',
      '--json',
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'c1z',
      accounts: 1000,
      identities: 1000,
      resources: 342,
      grants: 14981,
      badRows: 0,
      removed: 0,
      dryRun: true,
    });
    expect(stderr).toBe('');
  });

  it('exits 1 with the reason for a rejected file', async () => {
    const file = dataFile('baton-c1z/demo-35k-users.pebble-format.c1z');
    const error = (await recert(['import', file]).catch((caught: unknown) => caught)) as {
      code: number;
      stderr: string;
      stdout: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain(`${file}: this is a c1z file in the Pebble format`);
    expect(error.stdout).toBe('');
  });

  it('reports where a missing file was sought', async () => {
    const file = `missing-${process.pid}.csv`;
    const error = (await recert(['import', file]).catch((caught: unknown) => caught)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain(
      `${file}: cannot read the file: no such file (looked in ${join(root, file)})`,
    );
    expect(error.stderr).toContain('check the path');
  });

  it('reads a relative path from the folder npm ran in', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'recert-cli-path-'));
    await writeFile(
      join(folder, 'grants.csv'),
      'account_email,resource_id\nana@example.com,admins\n',
    );
    // npm run starts the CLI in the repository root and names the user's folder in INIT_CWD.
    const { stdout } = await recert(['import', 'grants.csv', '--dry-run', '--json'], {
      INIT_CWD: folder,
    });
    expect(JSON.parse(stdout)).toMatchObject({ format: 'csv', grants: 1, dryRun: true });
  });

  it('reports a taken database port without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      RECERT_EMBEDDED_PG_PORT: String(port),
    };
    delete env.DATABASE_URL;
    try {
      const failure = await run(
        process.execPath,
        ['--import', 'tsx', 'cli/recert.ts', 'import', 'missing.csv', '--dry-run'],
        { cwd: root, env },
      ).catch((error: unknown) => error as { code: number; stderr: string });
      expect(failure).toMatchObject({ code: 1 });
      const { stderr } = failure as { stderr: string };
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain('RECERT_EMBEDDED_PG_PORT');
      expect(stderr).not.toContain('    at ');
    } finally {
      blocker.close();
    }
  });

  it('rejects an unknown format option', async () => {
    const error = (await recert(['import', 'x.csv', '--format', 'xml']).catch(
      (caught: unknown) => caught,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('Unknown --format "xml"');
  });
});

describe('recert demo generate', () => {
  it('writes the two files and prints the manifest', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'recert-demo-cli-'));
    const { stdout } = await recert([
      'demo',
      'generate',
      '--seed',
      '4',
      '--identities',
      '50',
      '--out',
      join(folder, 'org'),
      '--json',
    ]);
    const manifest = JSON.parse(stdout) as DemoManifest;
    expect(manifest).toEqual(generateDemoOrganisation({ seed: 4, identities: 50 }).manifest);
    const csv = await readFile(join(folder, 'org.grants.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(manifest.totalGrants + 1);
    const directory = JSON.parse(await readFile(join(folder, 'org.scim.json'), 'utf8')) as {
      totalResults: number;
    };
    expect(directory.totalResults).toBe(manifest.directory.users + manifest.directory.groups);
  });

  it('rejects a size that is not a number', async () => {
    const error = (await recert(['demo', 'generate', '--identities', 'many']).catch(
      (caught: unknown) => caught,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('Invalid --identities "many"');
  });
});
