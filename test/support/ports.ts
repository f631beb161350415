import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port the kernel hands out for `listen(0)` and outgoing connections. */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const value = Number(low);
    if (Number.isInteger(value) && value > 20_000) return value;
  } catch {
    // Not Linux, or /proc is hidden: fall back to the IANA dynamic range.
  }
  return 49_152;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A free loopback port below the kernel's ephemeral range. A test that picks a port and only
 * listens on it minutes later (after PostgreSQL and the Temporal dev server start) needs one
 * that nothing else gets by asking the kernel for any free port, as the dev server does for
 * its internal services.
 */
export async function findPortOutsideEphemeralRange(): Promise<number> {
  const high = ephemeralLow();
  const low = 15_000;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await isFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`No free port between ${low} and ${high} after 200 tries`);
}
