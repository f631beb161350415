import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Hono } from 'hono';
import { beforeAll } from 'vitest';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { grantRole, type Role } from '../../db/role-repository.js';
import { logger } from '../../runtime/logger.js';
import { loadTemporalConfig } from '../../temporal.config.js';
import { createApp } from '../../web/app.js';
import { loadWebConfig } from '../../web/config.js';
import type { WebDeps } from '../../web/deps.js';
import type { PolicyVersion } from '../../workflows/policy.js';
import type { ReviewTaskInput } from '../../workflows/task-state.js';
import {
  publishPolicy,
  seedOrganisation,
  step,
  taskInput,
  type Organisation,
} from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';

/** The origin `app.request()` gives requests; same-origin posts send it as Origin. */
export const ORIGIN = 'http://localhost';

type App = Hono<never> | ReturnType<typeof createApp>;

/** A cookie jar and request helper that behaves like a browser towards `app.request()`. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that carried one. */
  csrf = '';

  constructor(private readonly app: App) {}

  async request(
    path: string,
    options: {
      method?: string;
      form?: Record<string, string | string[] | number | undefined>;
      htmx?: boolean;
      origin?: string | null;
      csrf?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const method = options.method ?? (options.form ? 'POST' : 'GET');
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (method !== 'GET' && options.origin !== null) headers.origin = options.origin ?? ORIGIN;
    if (options.htmx) headers['hx-request'] = 'true';
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (options.htmx && csrf) headers['x-csrf-token'] = csrf;
    let body: string | undefined;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(options.form)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value])
          params.append(name, String(item));
      }
      if (!options.htmx && csrf && !params.has('_csrf')) params.set('_csrf', csrf);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await (this.app as ReturnType<typeof createApp>).request(path, {
      method,
      headers,
      body,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** GETs a page and remembers its CSRF token. */
  async page(path: string, options: { htmx?: boolean } = {}) {
    const response = await this.request(path, options);
    const html = await response.text();
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { response, html };
  }

  post(
    path: string,
    form: Record<string, string | string[] | number | undefined> = {},
    options: { htmx?: boolean; origin?: string | null; csrf?: string | null } = {},
  ) {
    return this.request(path, { ...options, form });
  }
}

/** Signs a new browser in as `identityId` through the development sign-in. */
export async function signInAs(app: App, identityId: number): Promise<TestBrowser> {
  const browser = new TestBrowser(app);
  const login = await browser.page('/login');
  const token = /name="_csrf" value="([^"]+)"/.exec(login.html)?.[1];
  if (!token) throw new Error('the sign-in page has no CSRF field');
  const response = await browser.post('/login/dev', { identityId, _csrf: token });
  if (response.status !== 303) throw new Error(`dev sign-in answered ${response.status}`);
  await browser.page('/reviews');
  return browser;
}

export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdefghijklmnop';

/** Builds an app on the harness's database and Temporal client. */
export function buildApp(
  orm: MikroORM,
  temporal: WebDeps['temporal'],
  overrides: Partial<WebDeps> & { env?: NodeJS.ProcessEnv } = {},
) {
  const { env, ...rest } = overrides;
  const config = {
    ...loadWebConfig({ RECERT_PUBLIC_URL: 'http://localhost', ...env }),
    sessionSecret: TEST_SESSION_SECRET,
  };
  return createApp({
    orm,
    temporal,
    temporalConfig: loadTemporalConfig({}),
    temporalUiUrl: 'http://temporal-ui.test',
    log: logger,
    devMode: true,
    config,
    notifier: new Notifier(
      orm,
      loadNotificationConfig({ RECERT_PUBLIC_URL: config.publicUrl }),
      logger,
    ),
    taskQueryTimeoutMs: 5_000,
    taskActionTimeoutMs: 15_000,
    ...rest,
  });
}

/**
 * The review harness (database, worker, client) plus an app on them, and helpers to seed an
 * organisation and start tasks whose projection rows are written.
 */
export function useWebHarness(options: Parameters<typeof useReviewHarness>[0] = {}) {
  const harness = useReviewHarness(options);
  const holder = {} as { app: ReturnType<typeof createApp> };
  beforeAll(() => {
    holder.app = buildApp(harness.db.orm, harness.temporal.client);
  });

  async function policy(overrides: Parameters<typeof step>[0] = {}): Promise<PolicyVersion> {
    return publishPolicy(harness.db.orm, {
      steps: [step(overrides)],
      revocation: { mode: 'manual' },
    });
  }

  /** Starts a task and waits until it is assigned and its projection row says so. */
  async function startTask(
    org: Organisation,
    policyVersion: PolicyVersion,
    overrides: Partial<ReviewTaskInput> = {},
  ) {
    const input = taskInput(org, policyVersion, overrides);
    const handle = await harness.start(input);
    await harness.until(handle, (s) => !s.resolvingReviewers, 'the first step to be assigned');
    await projected(input.taskId, (row) => row.assignee_ids.length > 0 || row.status !== 'open');
    return { handle, taskId: input.taskId, input };
  }

  /** Waits until the task's projection row passes `accept`. */
  async function projected(
    taskId: string,
    accept: (row: { status: string; assignee_ids: number[]; state_version: number }) => boolean,
  ) {
    return eventually(
      async () => {
        const [row] = await harness.db.orm.em
          .fork()
          .getConnection()
          .execute<{ status: string; assignee_ids: number[]; state_version: number }[]>(
            'select status, assignee_ids, state_version from review_task where id = ?',
            [taskId],
          );
        return row;
      },
      (row) => row !== undefined && accept(row),
      { what: `the projection of ${taskId}` },
    );
  }

  async function giveRole(identityId: number, role: Role) {
    await grantRole(harness.db.orm.em.fork(), identityId, role, 'test');
  }

  return {
    ...harness,
    web: holder,
    seed: (options?: Parameters<typeof seedOrganisation>[1]) =>
      seedOrganisation(harness.db.orm, options),
    policy,
    startTask,
    projected,
    giveRole,
    signInAs: (identityId: number) => signInAs(holder.app, identityId),
  };
}

/** A unique tag for names in one test. */
export function tag(): string {
  return randomBytes(4).toString('hex');
}

/** Inserts a campaign owned by `ownerId` and returns its id. */
export async function insertCampaign(
  orm: MikroORM,
  input: {
    ownerId: number;
    name: string;
    instructions: string;
    defaultView?: string;
    policy: PolicyVersion;
  },
): Promise<number> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ id: number }[]>(
      `insert into campaign (name, instructions, default_view, scope, policy_name, policy_version, owner_id, due_at, status)
       values (?, ?, ?, '{}'::jsonb, ?, ?, ?, now() + interval '14 days', 'active') returning id`,
      [
        input.name,
        input.instructions,
        input.defaultView ?? 'by_application',
        input.policy.name,
        input.policy.version,
        input.ownerId,
      ],
    );
  return row!.id;
}
