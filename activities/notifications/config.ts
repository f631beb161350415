import { z } from 'zod';
import { parseEnv } from '../../runtime/env.js';

const schema = z.object({
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: z.url('expected the Resend API base URL').optional(),
  RECERT_EMAIL_FROM: z.string().min(3).default('Recert <recert@localhost>'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url('expected the Slack Web API base URL, ending in /api/').optional(),
  RECERT_PUBLIC_URL: z.url().optional(),
  RECERT_WEB_PORT: z.string().optional(),
});

/** Notification settings: Resend and Slack are used only when their credentials are set. */
export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(schema, env);
  return {
    resend: parsed.RESEND_API_KEY
      ? {
          apiKey: parsed.RESEND_API_KEY,
          baseUrl: parsed.RESEND_BASE_URL,
          from: parsed.RECERT_EMAIL_FROM,
        }
      : undefined,
    slack: parsed.SLACK_BOT_TOKEN
      ? { token: parsed.SLACK_BOT_TOKEN, apiUrl: parsed.SLACK_API_URL }
      : undefined,
    /** Base of every link in a message. */
    publicUrl: (
      parsed.RECERT_PUBLIC_URL ?? `http://127.0.0.1:${parsed.RECERT_WEB_PORT ?? '3000'}`
    ).replace(/\/$/, ''),
  };
}

export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;
