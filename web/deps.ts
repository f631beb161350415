import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Notifier } from '../activities/notifications/notifier.js';
import type { TemporalConfig } from '../temporal.config.js';
import type { CurrentUser } from './auth/session.js';
import type { BulkJobs } from './tasks/bulk-jobs.js';
import type { WebConfig } from './config.js';
import type { SignInLimits } from './auth/sign-in-limits.js';

/** Dependencies of the web layer on the rest of Recert; `createApp()` receives them. */
export interface WebDeps {
  orm: MikroORM;
  temporal: Client;
  temporalConfig: TemporalConfig;
  /** Base URL of the Temporal Web UI, for "open in Temporal UI" links. */
  temporalUiUrl?: string;
  log: Logger;
  /** Enables the development-only pages (dev sign-in, outbox, smoke). */
  devMode: boolean;
  /** Web settings; defaults to `loadWebConfig({})` with a per-process session secret. */
  config?: WebConfig;
  /** Sends sign-in links; defaults to a notifier configured from the environment. */
  notifier?: Notifier;
  /** How long a detail page waits for the workflow's query before showing the projection. */
  taskQueryTimeoutMs?: number;
  /** How long an action waits for the workflow to accept or reject it. */
  taskActionTimeoutMs?: number;
}

/** `WebDeps` with every default filled in; routes read it with `c.get('deps')`. */
export interface AppDeps extends WebDeps {
  config: WebConfig & { sessionSecret: string };
  notifier: Notifier;
  taskQueryTimeoutMs: number;
  taskActionTimeoutMs: number;
  bulkJobs: BulkJobs;
  signInLimits: SignInLimits;
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    /** The signed-in identity, when the request carries a live session. */
    user?: CurrentUser;
    /** The login form's CSRF token once this request has chosen it. */
    loginCsrfToken?: string;
  };
}
