import { Hono } from 'hono';
import { getStateQuery } from '../../workflows/smoke.js';
import type { AppEnv } from '../deps.js';
import { Layout } from '../views/layout.js';

/** Renders a smoke workflow's state read by query; proves web, client and worker together. */
export const smokeRoutes = new Hono<AppEnv>().get('/:workflowId', async (c) => {
  const { temporal } = c.get('deps');
  const handle = temporal.workflow.getHandle(c.req.param('workflowId'));
  const state = await handle.query(getStateQuery);
  return c.html(
    <Layout title="Smoke workflow">
      <h1>Smoke workflow</h1>
      <p>
        Count: <output id="count">{state.count}</output>
      </p>
      <p>Finished: {state.finished ? 'yes' : 'no'}</p>
    </Layout>,
  );
});
