import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets that `npm start` generates once and keeps under the data directory. */
export interface LocalSecrets {
  postgresPassword: string;
  sessionSecret: string;
}

/**
 * Loads `.data/secrets.json`, creating it (mode 0600) on first run, so embedded defaults need
 * no set-up yet no secret is committed or shared between machines.
 */
export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    return JSON.parse(await readFile(file, 'utf8')) as LocalSecrets;
  }
  const secrets: LocalSecrets = {
    postgresPassword: randomBytes(24).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}
