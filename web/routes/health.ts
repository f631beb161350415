import { Hono } from 'hono';
import type { AppEnv } from '../deps.js';

/** Liveness and readiness for load balancers: 200 only when PostgreSQL and Temporal answer. */
export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const { orm, temporal, temporalConfig } = c.get('deps');
  const checks: Record<string, string> = {};
  try {
    await orm.em.getConnection().execute('select 1');
    checks.database = 'ok';
  } catch (error) {
    checks.database = `failed: ${(error as Error).message}`;
  }
  try {
    await temporal.connection.workflowService.describeNamespace({
      namespace: temporalConfig.namespace,
    });
    checks.temporal = 'ok';
  } catch (error) {
    checks.temporal = `failed: ${(error as Error).message}`;
  }
  const healthy = Object.values(checks).every((value) => value === 'ok');
  return c.json({ status: healthy ? 'ok' : 'unavailable', checks }, healthy ? 200 : 503);
});
