/**
 * `GET /healthz`: the process is up (no dependencies checked).
 * Their answers are public: a refusal says what to do, never what the store's error said (logged).
 * `GET /readyz`: the store could store a delivery now (`Store.ping`: SQLite also takes its write lock,
 * red only once another connection has held it for as long as a delivery waits; PostgreSQL checks its
 * session may write), within the store timeout; 503 while it cannot, green again by itself as soon as it
 * can (SQLite reuses a probe's outcome for 1 s). With the delivery spool on, both answers say how many
 * deliveries (and bytes) wait in it (`spool`); readiness stays the store's: a receiver whose store is
 * down is not ready, even though it spools.
 * A failing probe logs why at warn when the store turns unavailable (or the reason changes), then at
 * debug while it stays so — a load balancer probing every few seconds does not flood the log during an
 * outage — and `readiness probe: store available again` at info once it passes.
 * `GET /readyz/deliveries`: a delivery would be acknowledged now — stored, or (store unavailable, spool
 * on) spooled: the spool has room for one body of `SRHOOKS_BODY_LIMIT` and its folder can be written.
 * For a load balancer in front of a receiver with a spool, whose deliveries should keep coming while
 * the store is down; 503 `store_unavailable` when neither can take one.
 */
import { existsSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { errorBody } from '../../http/error-body.js';
import { withStoreTimeout } from '../../ingest/store-call.js';
import { spoolFolderGoneText } from '../../spool/spool-errors.js';
import { StoreUnavailableError } from '../../store/store.js';

/** A refusal's text without what only counts time (`… has been unavailable for 7 s …`), to compare reasons. */
function sameReason(message: string): string {
  return message.replace(/\bunavailable for \d+ s\b/g, 'unavailable for a while');
}

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const { store, config, metrics, spool } = app;
  /** With the spool on: how many deliveries wait in it for the store (readiness itself is the store's). */
  const spoolFigures = () => (spool === null ? {} : { spool: spool.figures() });

  app.get('/healthz', async () => ({ ok: true }));

  /** What the last probe failed with (the error's own text); null while they pass (shared by both probes). */
  let lastRefusal: string | null = null;

  /** Null when the store could store a delivery now, else why not (logged, counted). */
  async function storeRefusal(request: FastifyRequest): Promise<string | null> {
    try {
      await withStoreTimeout('ping', store.ping(), config.storeTimeoutMs);
      if (lastRefusal !== null) request.log.info('readiness probe: store available again');
      lastRefusal = null;
      return null;
    } catch (error) {
      metrics.storeErrors.inc({ operation: 'ping' });
      const refusal = readinessMessage(error, spool !== null);
      // Logged at warn when the reason changes: what failed, which the public answer leaves out. The
      // seconds SQLite's write lock has been held grow at every probe: the same reason still.
      const reason = sameReason(error instanceof Error ? error.message : String(error));
      if (reason !== lastRefusal) request.log.warn({ err: error }, 'readiness probe: store unavailable');
      else request.log.debug({ err: error }, 'readiness probe: store unavailable');
      lastRefusal = reason;
      // The probe's 503 is what it is for during an outage: its request line is no error (a probe's is
      // at debug, the line above says why).
      request.expectedFailure = { errorCode: 'store_unavailable' };
      return refusal;
    }
  }

  app.get('/readyz', async (request, reply) => {
    const refusal = await storeRefusal(request);
    if (refusal === null) return { ok: true, store: store.kind, ...spoolFigures() };
    return reply
      .code(503)
      .send(errorBody('store_unavailable', refusal, {}, { store: store.kind, ...spoolFigures() }));
  });

  app.get('/readyz/deliveries', async (request, reply) => {
    const refusal = await storeRefusal(request);
    if (refusal === null) return { ok: true, store: store.kind, deliveries: 'stored', ...spoolFigures() };
    const spooling = spool === null ? null : await spool.accepts(config.bodyLimit);
    if (spooling?.ok) return { ok: true, store: store.kind, deliveries: 'spooled', ...spoolFigures() };
    const why =
      spooling === null
        ? 'no delivery spool is set (SRHOOKS_SPOOL_DIR)'
        : spooling.reason === 'full'
          ? `the delivery spool has no room for a ${config.bodyLimit}-byte delivery (SRHOOKS_SPOOL_MAX_BYTES)`
          : spool !== null && !existsSync(spool.dir)
            ? spoolFolderGoneText(null).replace(/\.$/, '') // public: the folder by its setting, not its path
            : `the delivery spool's folder (SRHOOKS_SPOOL_DIR) cannot be written`;
    return reply.code(503).send(
      errorBody(
        'store_unavailable',
        `${refusal} Deliveries cannot be spooled either: ${why}.`,
        {},
        {
          store: store.kind,
          ...spoolFigures(),
        },
      ),
    );
  });
};

/** Where an operator reads what failed: the probe's answer is public and names none of it. */
const DETAIL_IN_LOG =
  'What failed is in the receiver\'s log (the warn line "readiness probe: store unavailable"), not in this public answer.';

/**
 * Why the receiver is not ready, for a probe. Anyone who reaches the receiver can read it, so it says
 * what to do and, of what failed, only the receiver's own wordings (`publicDetail`: a timeout, a
 * read-only session, a store not opened yet) — never a driver's message, which may name a database host
 * and port, a user or a file's path: that is in the warn line `storeRefusal` logs.
 */
function readinessMessage(error: unknown, spooling: boolean): string {
  if (error instanceof StoreUnavailableError) {
    return error.damaged
      ? `The event store's database file is damaged: stop the receiver and restore the file from a backup (receiver docs/operations.md, Backups). ${DETAIL_IN_LOG}`
      : `The event store cannot store a delivery now${error.publicDetail === null ? '' : ` (${error.publicDetail})`}: deliveries are ${spooling ? 'spooled while the spool has room (GET /readyz/deliveries says whether it has)' : 'answered 503 until it can'}; this receiver turns ready again by itself. ${DETAIL_IN_LOG}`;
  }
  return `The event store did not pass the readiness check. ${DETAIL_IN_LOG}`;
}
