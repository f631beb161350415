import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, WebDeps } from './deps.js';
import { healthRoutes } from './routes/health.js';
import { smokeRoutes } from './routes/smoke.js';
import { staticAssets } from './static-assets.js';

/**
 * Builds the Hono app. Tests call it with their own dependencies and use `app.request()`.
 */
export function createApp(deps: WebDeps) {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    deps.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
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
  if (deps.devMode) app.route('/dev/smoke', smokeRoutes);

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
