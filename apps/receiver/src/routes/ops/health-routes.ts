/**
 * `GET /healthz`: the process is up (no dependencies checked).
 * `GET /readyz`: the store could store a delivery now (`Store.ping`: SQLite also takes its write lock,
 * PostgreSQL checks its session may write), within the store timeout; 503 while it cannot, green again
 * by itself as soon as it can (SQLite reuses a probe's outcome for 1 s).
 */
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from '../../http/error-body.js';
import { withStoreTimeout } from '../../ingest/store-call.js';
import { StoreError } from '../../store/store.js';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const { store, config, metrics } = app;

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (request, reply) => {
    try {
      await withStoreTimeout('ping', store.ping(), config.storeTimeoutMs);
      return { ok: true, store: store.kind };
    } catch (error) {
      metrics.storeErrors.inc({ operation: 'ping' });
      request.log.warn({ err: error }, 'readiness probe: store unavailable');
      const message =
        error instanceof StoreError ? error.message : 'The event store did not answer the ping.';
      return reply.code(503).send(errorBody('store_unavailable', message, {}, { store: store.kind }));
    }
  });
};
