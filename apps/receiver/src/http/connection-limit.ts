/**
 * The cap on concurrent client connections (`maxConnections`, SRHOOKS_MAX_CONNECTIONS). Every open
 * connection holds a file descriptor, an idle or slow one for up to the request timeout (60 s) or the
 * keep-alive timeout (72 s); without a cap a flood of them can use up the process's open-file limit, and
 * then the store cannot open a file (SQLite's, the spool's) or a PostgreSQL socket either: a delivery
 * already accepted would fail to be written. With the cap Node closes a connection beyond it as soon as
 * it is accepted (no answer, no request read) and emits 'drop', counted in
 * `srhooks_dropped_connections_total` and logged once per burst (never once per connection, never the
 * address: one warn line when a burst begins, one info line when it has ended).
 *
 * Default: {@link DEFAULT_MAX_CONNECTIONS} (1000), lowered to half the process's open-file limit when that
 * is smaller, so the store, the spool, handlers' connections and Node itself always keep the other half.
 * Node raises its soft RLIMIT_NOFILE to the hard limit when it starts, and reports it in
 * `process.report.getReport().userLimits.open_files`; where it reports none (or "unlimited"), 1000.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_MAX_CONNECTIONS } from '../config/connection-limits.js';

/** A burst of dropped connections has ended once none was dropped for this long. */
export const DROP_BURST_QUIET_MS = 30_000;

export interface ConnectionCap {
  /** What `server.maxConnections` is set to. */
  readonly max: number;
  /** The process's open-file limit as Node reports it; null when it reports none (or "unlimited"). */
  readonly openFiles: number | null;
  /** Whether `max` was configured (true) or is the default (false). */
  readonly configured: boolean;
}

/** The cap for a configured value (undefined: the default) under an open-file limit (null: unknown). */
export function connectionCap(configured: number | undefined, openFiles: number | null): ConnectionCap {
  if (configured !== undefined) return { max: configured, openFiles, configured: true };
  const half = openFiles === null ? DEFAULT_MAX_CONNECTIONS : Math.max(1, Math.floor(openFiles / 2));
  return { max: Math.min(DEFAULT_MAX_CONNECTIONS, half), openFiles, configured: false };
}

let openFilesRead: { readonly value: number | null } | undefined;

/**
 * The process's open-file limit (RLIMIT_NOFILE's soft value, which Node raised to the hard one at
 * start), read once per process from Node's diagnostic report; null where it gives none.
 */
export function openFileLimit(): number | null {
  openFilesRead ??= { value: readOpenFileLimit() };
  return openFilesRead.value;
}

function readOpenFileLimit(): number | null {
  try {
    const report = process.report?.getReport() as
      | { userLimits?: { open_files?: { soft?: unknown } } }
      | undefined;
    const soft = report?.userLimits?.open_files?.soft;
    return typeof soft === 'number' && Number.isSafeInteger(soft) && soft > 0 ? soft : null;
  } catch {
    return null;
  }
}

export interface LimitConnectionsOptions {
  readonly logger: Logger;
  /** Counts one dropped connection (the instance's metrics: `srhooks_dropped_connections_total`). */
  readonly countDrop: () => void;
  /** The open-file limit to size the default by (default: {@link openFileLimit}); for tests. */
  readonly openFiles?: number | null;
  /** How long without a drop ends a burst (default {@link DROP_BURST_QUIET_MS}); for tests. */
  readonly quietMs?: number;
}

/** The servers already watched: the hand-over server serves two instances, its drops are counted once. */
const watched = new WeakSet<Server>();

/**
 * Sets the cap on `server` and, once per server, counts and logs what it drops. The spool-only receiver
 * and the full receiver that takes its socket over share one server (start-up/hand-over-server.ts) and
 * one metrics object, so the first instance's watcher goes on serving the second.
 */
export function limitConnections(
  server: Server,
  configured: number | undefined,
  options: LimitConnectionsOptions,
): ConnectionCap {
  const cap = connectionCap(
    configured,
    options.openFiles === undefined ? openFileLimit() : options.openFiles,
  );
  server.maxConnections = cap.max;
  if (watched.has(server)) return cap;
  watched.add(server);
  const { logger } = options;
  // Said once the server listens: a start whose store cannot be opened builds a server that never does
  // before the spool-only receiver's (start-up/), and the warning would be written twice.
  if (cap.configured && cap.openFiles !== null && cap.max > cap.openFiles / 2)
    server.once('listening', () =>
      logger.warn(
        { connections: { max: cap.max, openFiles: cap.openFiles } },
        `maxConnections (SRHOOKS_MAX_CONNECTIONS) is ${cap.max}, more than half of the ${cap.openFiles} files this process may open (its open-file limit: ulimit -Hn, systemd's LimitNOFILE): a flood of connections could leave the store too few to write a delivery it accepted; lower it, or raise the limit`,
      ),
    );
  watchDrops(server, options);
  return cap;
}

function watchDrops(server: Server, options: LimitConnectionsOptions): void {
  const { logger } = options;
  const quietMs = options.quietMs ?? DROP_BURST_QUIET_MS;
  let burst: { first: number; last: number; dropped: number; timer: NodeJS.Timeout } | null = null;

  const end = (how: 'quiet' | 'closed'): void => {
    if (burst === null) return;
    clearTimeout(burst.timer);
    const { first, last, dropped } = burst;
    burst = null;
    const after = how === 'quiet' ? 'new connections are taken again' : 'the server has closed';
    logger.info(
      { connections: { max: server.maxConnections, dropped } },
      `connection limit: ${dropped} connection${dropped === 1 ? '' : 's'} closed unanswered from ${new Date(first).toISOString()} to ${new Date(last).toISOString()}; ${after}`,
    );
  };
  const endWhenQuiet = (): void => {
    if (burst === null) return;
    const quietFor = Date.now() - burst.last;
    if (quietFor >= quietMs) end('quiet');
    else burst.timer = setTimeout(endWhenQuiet, quietMs - quietFor).unref();
  };

  server.on('drop', () => {
    options.countDrop();
    const now = Date.now();
    if (burst !== null) {
      burst.dropped += 1;
      burst.last = now;
      return;
    }
    burst = { first: now, last: now, dropped: 1, timer: setTimeout(endWhenQuiet, quietMs).unref() };
    // The address is not logged (personal data; and an attacker's to choose): the counter has the rest.
    logger.warn(
      { connections: { max: server.maxConnections } },
      `connection limit reached: ${server.maxConnections} client connections are open, the most this receiver keeps (maxConnections, SRHOOKS_MAX_CONNECTIONS); new ones are closed at once, unanswered, until some close — a delivery among them is not received (ShopRenter does not resend it; recovery reads missed orders back from shops with API credentials). One line per burst; srhooks_dropped_connections_total counts each`,
    );
  });
  server.once('close', () => end('closed'));
}
