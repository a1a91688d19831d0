import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The system hands out ports from its ephemeral range (Linux: net.ipv4.ip_local_port_range, 32768–60999
 * by default) to a server that listens on port 0 and to every outgoing connection. A port chosen from
 * that range and closed again can be taken by either before the caller listens on it: a test that
 * subscribes a shop to a receiver's URL and starts the receiver seconds later failed with EADDRINUSE
 * once while other suites ran beside it. Ports are therefore chosen below that range, where only an
 * explicit bind takes them.
 */
const LOWEST = 20_000;
/** Below the ephemeral range but taken by services this machine may run (RabbitMQ's inter-node port). */
const KNOWN_SERVICE_PORTS = new Set([25_672]);
const ATTEMPTS = 200;

/** The first port of the system's ephemeral range (32768 when it cannot be read: Linux's default). */
export function ephemeralRangeStart(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): number {
  try {
    const first = Number.parseInt(read().trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(first) && first > 0 && first < 65_536 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function listensOn(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function anyPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Ports this process has handed out already (never twice: two servers of one test would clash). */
const handedOut = new Set<number>();

/**
 * A TCP port on `host` (default 127.0.0.1) that nothing listens on, for a server whose URL must be known
 * before it starts (a shop subscribed to a receiver that is not up yet) or an address that refuses
 * connections. It stays free until the caller listens on it, unless another process binds it by number:
 * it is chosen at random below the system's ephemeral range and checked by listening on it once. Where
 * that range starts too low to leave room, a port the system hands out (the old way, with its race).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  if (highest - LOWEST < 1_000) return anyPort(host);
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (handedOut.has(port) || KNOWN_SERVICE_PORTS.has(port)) continue;
    handedOut.add(port); // before the check: a call running beside this one must not pick it too
    if (await listensOn(port, host)) return port;
    handedOut.delete(port);
  }
  throw new Error(
    `no free TCP port on ${host} between ${LOWEST} and ${highest} after ${ATTEMPTS} tries: too many servers listen there`,
  );
}
