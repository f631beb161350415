import { createServer } from 'node:net';

/** Raised when a port Recert needs is already taken. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Fails with a message naming the port and the variable that changes it when `port` is taken.
 */
export async function assertPortFree(port: number, variable: string, host = '127.0.0.1') {
  if ((await tryListen(port, host)) === undefined) {
    throw new PortInUseError(
      `Port ${port} on ${host} is already in use. Stop what is using it, or set ${variable} to a free port.`,
    );
  }
}

/** Returns a port the operating system reports as free on the loopback interface. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`No free port on ${host}`);
  return port;
}
