import { z } from 'zod';
import { parseEmailList } from '../db/role-repository.js';
import { booleanFlag, parseEnv, port, wholeNumber } from '../runtime/env.js';

const schema = z.object({
  RECERT_WEB_PORT: port(3000),
  RECERT_WEB_HOST: z.string().default('127.0.0.1'),
  RECERT_PUBLIC_URL: z
    .url('expected the http(s) URL reviewers open, e.g. https://recert.example.com')
    .optional(),
  RECERT_DEV_LOGIN: booleanFlag(false),
  RECERT_SESSION_SECRET: z
    .string()
    .min(32, 'expected at least 32 characters of random text')
    .optional(),
  RECERT_SESSION_IDLE_MINUTES: wholeNumber(60, 1),
  RECERT_SUPER_ADMINS: z.string().default(''),
  RECERT_CAMPAIGN_ADMINS: z.string().default(''),
});

/** Web server settings. `npm start` turns the development sign-in on unless told otherwise. */
export function loadWebConfig(
  env: NodeJS.ProcessEnv = process.env,
  defaults: { devLogin?: boolean } = {},
) {
  const parsed = parseEnv(schema, {
    ...env,
    RECERT_DEV_LOGIN: env.RECERT_DEV_LOGIN || (defaults.devLogin ? 'true' : undefined),
  });
  return {
    port: parsed.RECERT_WEB_PORT,
    host: parsed.RECERT_WEB_HOST,
    publicUrl:
      parsed.RECERT_PUBLIC_URL ?? `http://${parsed.RECERT_WEB_HOST}:${parsed.RECERT_WEB_PORT}`,
    devLogin: parsed.RECERT_DEV_LOGIN,
    sessionSecret: parsed.RECERT_SESSION_SECRET,
    sessionIdleMinutes: parsed.RECERT_SESSION_IDLE_MINUTES,
    superAdminEmails: parseEmailList(parsed.RECERT_SUPER_ADMINS),
    campaignAdminEmails: parseEmailList(parsed.RECERT_CAMPAIGN_ADMINS),
  };
}

export type WebConfig = ReturnType<typeof loadWebConfig>;
