import { readFileSync } from 'node:fs';
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

/** Returns the first port the kernel assigns for `listen(0)` and outgoing connections. */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const value = Number(low);
    if (Number.isInteger(value) && value > 20_000) return value;
  } catch {
    // Not Linux, or /proc is hidden. The IANA dynamic range is used then, as it is when the
    // kernel's range starts too low to leave room below it.
  }
  return 49_152;
}

/** Ports already returned by this process, so two callers never get the same one. */
const returnedPorts = new Set<number>();

/**
 * Returns a free loopback port below the kernel's ephemeral range. Use it for a port that is
 * listened on only later, after other programs started. A program that requests any free port
 * from the kernel, as the Temporal dev server does for its internal services, never gets it.
 */
export async function findPortOutsideEphemeralRange(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralRangeStart();
  const low = 15_000;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (returnedPorts.has(port)) continue;
    if ((await tryListen(port, host)) !== undefined) {
      returnedPorts.add(port);
      return port;
    }
  }
  throw new Error(
    `No free port found between ${low} and ${high} after 200 tries. Free some ports in that range, or set the port explicitly.`,
  );
}
