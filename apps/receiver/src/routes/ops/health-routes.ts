/**
 * `GET /healthz`: the process is up (no dependencies checked).
 * `GET /readyz`: the store could store a delivery now (`Store.ping`: SQLite also takes its write lock,
 * red only once another connection has held it for as long as a delivery waits; PostgreSQL checks its
 * session may write), within the store timeout; 503 while it cannot, green again by itself as soon as it
 * can (SQLite reuses a probe's outcome for 1 s). With the delivery spool on, both answers say how many
 * deliveries (and bytes) wait in it (`spool`); readiness stays the store's: a receiver whose store is
 * down is not ready, even though it spools.
 */
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from '../../http/error-body.js';
import { withStoreTimeout } from '../../ingest/store-call.js';
import { StoreError, StoreUnavailableError } from '../../store/store.js';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const { store, config, metrics, spool } = app;
  /** With the spool on: how many deliveries wait in it for the store (readiness itself is the store's). */
  const spoolFigures = () => (spool === null ? {} : { spool: spool.figures() });

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (request, reply) => {
    try {
      await withStoreTimeout('ping', store.ping(), config.storeTimeoutMs);
      return { ok: true, store: store.kind, ...spoolFigures() };
    } catch (error) {
      metrics.storeErrors.inc({ operation: 'ping' });
      request.log.warn({ err: error }, 'readiness probe: store unavailable');
      const message = readinessMessage(error);
      return reply
        .code(503)
        .send(errorBody('store_unavailable', message, {}, { store: store.kind, ...spoolFigures() }));
    }
  });
};

/** Why the receiver is not ready, for a probe: the store errors' own text speaks to a delivery's sender. */
function readinessMessage(error: unknown): string {
  if (error instanceof StoreUnavailableError) {
    return error.damaged
      ? `The event store's database file is damaged (${error.detail}): stop the receiver and restore the file from a backup (receiver docs/operations.md, Backups).`
      : `The event store cannot store a delivery now (${error.detail}): deliveries are answered 503 until it can; this receiver turns ready again by itself.`;
  }
  return error instanceof StoreError ? error.message : 'The event store did not answer the ping.';
}
