import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * Where every process on this machine that uses freePort notes the ports it handed out, one file per
 * port holding the process id: two test processes picking at random could otherwise pick the same port
 * (seen once: a suite's server failed with EADDRINUSE on a port another suite had picked and not yet
 * listened on). This process's files go when it exits; files of processes that are gone (killed) are
 * swept once per process when older than STALE_MS.
 */
const RESERVATIONS = join(tmpdir(), 'srhooks-ports');
const STALE_MS = 10 * 60_000;
const reservedHere: string[] = [];
let prepared = false;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseReservations(): void {
  for (const file of reservedHere.splice(0)) rmSync(file, { force: true });
}

/** Creates the folder, removes the notes of processes that are gone, and releases this one's on exit. */
function prepareReservations(): void {
  prepared = true;
  mkdirSync(RESERVATIONS, { recursive: true });
  process.once('exit', releaseReservations);
  const now = Date.now();
  for (const name of readdirSync(RESERVATIONS)) {
    const file = join(RESERVATIONS, name);
    try {
      if (now - statSync(file).mtimeMs < STALE_MS) continue;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (!(Number.isInteger(owner) && owner > 0 && processAlive(owner))) rmSync(file, { force: true });
    } catch {
      // removed meanwhile
    }
  }
}

/**
 * Notes port as handed out by this process; false when some process noted it already. The note is
 * written whole to a file of its own, then linked into place: the link fails if the port's file exists,
 * and another process never reads a half-written one.
 */
function reserve(port: number): boolean {
  if (!prepared) prepareReservations();
  const file = join(RESERVATIONS, String(port));
  const draft = join(RESERVATIONS, `.${process.pid}-${port}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(draft, String(process.pid));
  try {
    linkSync(draft, file);
    reservedHere.push(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * A TCP port on `host` (default 127.0.0.1) that nothing listens on, for a server whose URL must be known
 * before it starts (a shop subscribed to a receiver that is not up yet) or an address that refuses
 * connections. It stays free until the caller listens on it, unless another process binds it by number:
 * it is chosen at random below the system's ephemeral range, noted as handed out for every other process
 * that uses freePort (see RESERVATIONS) and checked by listening on it once. Where that range starts too
 * low to leave room, a port the system hands out (the old way, with its race).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  if (highest - LOWEST < 1_000) return anyPort(host);
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (handedOut.has(port) || KNOWN_SERVICE_PORTS.has(port)) continue;
    handedOut.add(port); // before the check: a call running beside this one must not pick it too
    if (!reserve(port)) continue; // another process handed it out: it stays out of this one's picks
    if (await listensOn(port, host)) return port;
  }
  throw new Error(
    `no free TCP port on ${host} between ${LOWEST} and ${highest} after ${ATTEMPTS} tries: too many servers listen there`,
  );
}
