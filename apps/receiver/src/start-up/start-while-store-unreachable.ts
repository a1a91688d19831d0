/**
 * A start whose PostgreSQL store cannot be reached, with a spool folder set (store-unreachable-at-start.ts
 * says which failures): the receiver listens anyway and takes deliveries into the spool, so a deploy, a
 * crash or a reboot during a store outage loses none (ShopRenter sends a delivery once).
 *
 * 1. The spool folder is opened and locked, the spool-only receiver (spool-only-receiver.ts) is built on
 *    a server of our own (hand-over-server.ts) and listens on HOST:PORT; one warning says so.
 * 2. The store is tried again after 1 s, then after twice as long each time, at most `maxMs` (15 s)
 *    apart — one connection first (`probe`), then, once it answers, the full receiver is built (it opens
 *    and migrates the store). A build refused for another reason (a setting, a migration) is logged at
 *    error and tried again all the same: the receiver keeps spooling.
 * 3. Once built, the full receiver takes over the listening socket: it "listens" on it (its drainer
 *    starts and stores what was spooled), requests from then on go to it, those the spool-only receiver
 *    took are answered there (it goes on with the spool-only receiver's metrics: its counters do not
 *    restart from zero); then reconciliation and recovery start as after a normal start
 *    (`afterStart`), and the spool-only receiver is closed (not its socket, not the spool's lock, which
 *    the full receiver now holds).
 * 4. `stop()` (SIGTERM/SIGINT) while spooling: no more attempts; the listener closes, deliveries in flight
 *    are spooled and answered, a build in progress is awaited and closed, the spool's lock is released;
 *    what was spooled stays for the next start. After the hand-over it closes the full receiver.
 */
import type { Server } from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { ReceiverConfig } from '../config/config-schema.js';
import { REQUEST_TIMEOUT_MS } from '../http/receiver-fastify.js';
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import { type OpenedSpool, openLockedSpool } from '../plugins/spool-plugin.js';
import type { StoreUnavailableError } from '../store/store-errors.js';
import { FASTIFY_KEEP_ALIVE_TIMEOUT_MS, HandOverServer } from './hand-over-server.js';
import { listenError } from './listen-error.js';
import { buildSpoolOnlyReceiver } from './spool-only-receiver.js';
import { storeUnreachableAtStart, unreachableReason } from './store-unreachable-at-start.js';

export interface StoreRetryOptions {
  /** The first wait before the store is tried again (default 1 s), doubled after each failure… */
  readonly firstMs?: number;
  /** …up to this (default 15 s). */
  readonly maxMs?: number;
}

export interface StartWhileStoreUnreachableOptions {
  readonly logger: Logger;
  /**
   * Builds the full receiver on the shared server, with the spool already opened and the spool-only
   * receiver's metrics (kept: its counts go on after the take-over).
   */
  readonly buildFull: (
    serverFactory: FastifyServerFactory<Server>,
    opened: OpenedSpool,
    metrics: ReceiverMetrics,
  ) => Promise<FastifyInstance>;
  /** Whether the store answers now, before the full receiver is built (store-unreachable-at-start.ts). */
  readonly probe: () => Promise<void>;
  /** What a normal start does once it listens (reconciliation, recovery). */
  readonly afterStart: (app: FastifyInstance) => Promise<void>;
  readonly retry?: StoreRetryOptions;
  readonly defaultMetrics?: boolean;
}

export interface SpoolingStart {
  /** The instance taking requests now: the spool-only receiver, then the full one. */
  current(): FastifyInstance;
  /** The full receiver once it took over the socket; null when stopped before. */
  readonly full: Promise<FastifyInstance | null>;
  /** Graceful stop (SIGTERM/SIGINT), in either phase. */
  stop(): Promise<void>;
}

const DEFAULT_FIRST_MS = 1000;
const DEFAULT_MAX_MS = 15_000;

const duration = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

export async function startWhileStoreUnreachable(
  config: ReceiverConfig & { spoolDir: string },
  firstError: StoreUnavailableError,
  options: StartWhileStoreUnreachableOptions,
): Promise<SpoolingStart> {
  const { logger } = options;
  const firstMs = options.retry?.firstMs ?? DEFAULT_FIRST_MS;
  const maxMs = options.retry?.maxMs ?? DEFAULT_MAX_MS;
  let reason = unreachableReason(firstError);
  const every = `every ${duration(firstMs)} to ${duration(maxMs)}`;
  const detail = () => `not opened since the receiver started: ${reason}; it is tried again ${every}`;

  const opened = await openLockedSpool(config, logger);
  const server = new HandOverServer({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: FASTIFY_KEEP_ALIVE_TIMEOUT_MS,
  });
  const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  /** Set once the full receiver starts taking the socket over (stop() then closes it instead). */
  let handingOver = false;
  let handedOver = false;
  let stopping = false;
  /** The socket was opened (a listen that failed leaves nothing to wait for). */
  let listened = false;
  const clientErrorListeners = new Set(server.listeners('clientError'));
  let spoolOnly: FastifyInstance;
  try {
    spoolOnly = await buildSpoolOnlyReceiver(config, {
      logger,
      server,
      opened,
      storeDetail: detail,
      closesListener: () => !handedOver,
      // Stopped while spooling: every connection ended. Handed over: what it took was answered.
      untilAnswered: () =>
        handedOver ? server.idle(spoolOnly.routing) : listened ? serverClosed : Promise.resolve(),
      ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
    });
  } catch (error) {
    opened.lock.release();
    throw error;
  }
  const spoolOnlyClientErrors = server.listeners('clientError').filter((l) => !clientErrorListeners.has(l));
  server.handTo(spoolOnly.routing);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: config.port, host: config.host }, () => {
        server.off('error', reject);
        listened = true;
        resolve();
      });
    });
  } catch (error) {
    await spoolOnly.close();
    opened.lock.release();
    throw listenError(error, config.host, config.port) ?? error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.warn(
    {
      store: { kind: 'postgres', error: firstError.code, reason },
      spool: { dir: opened.spool.dir, ...opened.spool.figures() },
      retryMs: { first: firstMs, max: maxMs },
    },
    `store unreachable at start (${reason}): listening anyway on ${config.host}:${port} and taking deliveries into the spool ${opened.spool.dir}; everything else answers 503 store_unavailable until the store opens; trying it again ${every}`,
  );

  let markFull: (app: FastifyInstance | null) => void = () => {};
  const full = new Promise<FastifyInstance | null>((resolve) => {
    markFull = resolve;
  });
  let current: FastifyInstance = spoolOnly;
  let building: Promise<FastifyInstance | null> | null = null;
  let wake: () => void = () => {};

  function stillUnreachable(error: StoreUnavailableError): null {
    const now = unreachableReason(error);
    if (now !== reason) logger.warn({ store: { reason: now } }, `store still unreachable (${now}): spooling`);
    else logger.debug({ store: { reason: now } }, 'store still unreachable: spooling');
    reason = now;
    return null;
  }

  /** One attempt: the full receiver, or null (logged) when the store still cannot be opened. */
  async function attempt(): Promise<FastifyInstance | null> {
    try {
      await options.probe();
    } catch (error) {
      // anything else (a setting refused): the build below reports it in full
      if (storeUnreachableAtStart(error, config)) return stillUnreachable(error);
    }
    if (stopping) return null;
    const before = new Set(server.listeners('clientError'));
    try {
      return await options.buildFull(server.factory, opened, spoolOnly.metrics);
    } catch (error) {
      for (const listener of server.listeners('clientError'))
        if (!before.has(listener)) server.off('clientError', listener as () => void);
      if (storeUnreachableAtStart(error, config)) return stillUnreachable(error);
      reason = `the store refused to open: ${(error as { code?: unknown }).code ?? 'error'}`;
      logger.error(
        { err: error },
        'the store is reachable but the receiver could not start on it (see the error); deliveries are still spooled, and it is tried again',
      );
      return null;
    }
  }

  async function handOver(app: FastifyInstance): Promise<void> {
    await app.listen({ port: config.port, host: config.host }); // the socket is open: only reported
    server.handTo(app.routing);
    handedOver = true;
    current = app;
    logger.info(
      { spool: opened.spool.figures() },
      'store reachable: the full receiver took over the listening socket; spooled deliveries are being stored',
    );
    markFull(app);
    try {
      await options.afterStart(app);
    } finally {
      // what it took is answered first (its preClose waits); neither the socket nor the spool's lock is its
      await spoolOnly.close();
      for (const listener of spoolOnlyClientErrors) server.off('clientError', listener as () => void);
      server.forget(spoolOnly.routing);
    }
  }

  async function retry(): Promise<void> {
    let delay = firstMs;
    while (!stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) return;
      building = attempt();
      const app = await building;
      if (app !== null) {
        if (stopping) return; // stop() closes it
        handingOver = true;
        await handOver(app);
        return;
      }
      building = null;
      delay = Math.min(delay * 2, maxMs);
    }
  }

  const retrying = retry().catch((error: unknown) => {
    logger.error({ err: error }, 'the full receiver could not take over the listening socket');
  });

  return {
    current: () => current,
    full,
    async stop() {
      if (handingOver) {
        await retrying;
        markFull(null); // when the take-over failed before it was done
        await current.close();
        return;
      }
      stopping = true;
      wake();
      await spoolOnly.close();
      const built = building === null ? null : await building;
      if (built !== null)
        await built.close(); // releases the spool's lock with the rest
      else opened.lock.release();
      markFull(null);
      const left = opened.spool.figures();
      if (left.deliveries > 0)
        logger.info({ spool: left }, 'spooled deliveries stay in the spool; the next start drains them');
    },
  };
}
