/**
 * From the moment the app starts closing (SIGTERM), a request that arrives — on a keep-alive
 * connection, or before the listener is closed — is answered `503` with the uniform error body and the
 * connection closed (fastify's own `return503OnClosing` answers with a body of its own shape). Requests
 * already past `onRequest` (a delivery whose body is still arriving) run to the end.
 * Must be called before any plugin is registered: the first `preClose` hook runs first.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-body.js';

const SHUTTING_DOWN = errorBody(
  'shutting_down',
  'The receiver is shutting down; nothing was read or stored. Send the request again in a moment.',
);

export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    reply.code(503).header('connection', 'close').header('retry-after', '5').send(SHUTTING_DOWN);
  });
}
