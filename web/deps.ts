import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { TemporalConfig } from '../temporal.config.js';

/** What the web layer needs from the rest of Recert; `createApp()` receives it. */
export interface WebDeps {
  orm: MikroORM;
  temporal: Client;
  temporalConfig: TemporalConfig;
  /** Base URL of the Temporal Web UI, for "open in Temporal UI" links. */
  temporalUiUrl?: string;
  log: Logger;
  /** Enables the development-only pages (dev sign-in, outbox, smoke). */
  devMode: boolean;
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Variables: {
    deps: WebDeps;
    requestId: string;
  };
}
