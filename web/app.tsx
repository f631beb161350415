import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { loadNotificationConfig } from '../activities/notifications/config.js';
import { Notifier } from '../activities/notifications/notifier.js';
import { csrfProtection } from './auth/csrf.js';
import { sessionMiddleware } from './auth/session.js';
import { defaultSignInLimits } from './auth/sign-in-limits.js';
import { loadWebConfig } from './config.js';
import type { AppDeps, AppEnv, WebDeps } from './deps.js';
import { adminRoutes } from './routes/admin.js';
import { bulkRoutes } from './routes/bulk.js';
import { campaignRoutes } from './routes/campaigns.js';
import { devOutboxRoutes } from './routes/dev-outbox.js';
import { healthRoutes } from './routes/health.js';
import { insightsRoutes } from './routes/insights.js';
import { loginRoutes } from './routes/login.js';
import { reviewRoutes } from './routes/reviews.js';
import { smokeRoutes } from './routes/smoke.js';
import { taskAdminRoutes } from './routes/task-admin.js';
import { taskRoutes } from './routes/tasks.js';
import { staticAssets } from './static-assets.js';
import { BulkJobs } from './tasks/bulk-jobs.js';

/** Fills in the optional dependencies with their defaults. */
function resolveDeps(deps: WebDeps): AppDeps {
  const config = deps.config ?? loadWebConfig({});
  let sessionSecret = config.sessionSecret;
  if (!sessionSecret) {
    sessionSecret = randomBytes(32).toString('base64url');
    deps.log.warn(
      'RECERT_SESSION_SECRET is not set; using a random secret, so sessions end when this process stops',
    );
  }
  return {
    ...deps,
    config: { ...config, sessionSecret },
    notifier:
      deps.notifier ??
      new Notifier(
        deps.orm,
        loadNotificationConfig({ ...process.env, RECERT_PUBLIC_URL: config.publicUrl }),
        deps.log,
      ),
    taskQueryTimeoutMs: deps.taskQueryTimeoutMs ?? 2_000,
    taskActionTimeoutMs: deps.taskActionTimeoutMs ?? 10_000,
    bulkJobs: new BulkJobs(deps.log),
    signInLimits: defaultSignInLimits(),
  };
}

/**
 * Builds the Hono app. Tests call it with their own dependencies and use `app.request()`.
 */
export function createApp(webDeps: WebDeps) {
  const deps = resolveDeps(webDeps);
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    // The path only: query strings can carry sign-in tokens, which must never reach a log.
    deps.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        identityId: c.get('user')?.identityId,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: 'same-origin',
    }),
  );

  app.route('/static', staticAssets);
  app.route('/health', healthRoutes);

  app.use(sessionMiddleware());
  app.use(csrfProtection());

  app.get('/', (c) => c.redirect('/reviews', 302));
  app.route('/', loginRoutes);
  app.route('/reviews', reviewRoutes);
  app.route('/tasks', taskAdminRoutes);
  app.route('/tasks', taskRoutes);
  app.route('/bulk', bulkRoutes);
  app.route('/campaigns', campaignRoutes);
  app.route('/insights', insightsRoutes);
  app.route('/admin', adminRoutes);
  if (deps.devMode) {
    app.route('/dev/outbox', devOutboxRoutes);
    app.route('/dev/smoke', smokeRoutes);
  }

  app.notFound((c) => c.text('Not found', 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    deps.log.error(
      { err: error, requestId: c.get('requestId'), path: c.req.path },
      'request failed',
    );
    return c.text(
      `Something went wrong (request ${c.get('requestId')}). The error is logged.`,
      500,
    );
  });

  return app;
}
