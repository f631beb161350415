import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';

/**
 * A tiny HTTP endpoint for orchestrators: `GET /health` returns 200 while the worker is
 * running and 503 once it is draining or stopped, so a load balancer or Kubernetes stops
 * counting on it during shutdown.
 */
export function serveWorkerHealth(
  worker: Worker,
  port: number,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/health') return void res.writeHead(404).end();
    const state = worker.getState();
    res
      .writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: state === 'RUNNING' ? 'ok' : 'unavailable', worker: state }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
