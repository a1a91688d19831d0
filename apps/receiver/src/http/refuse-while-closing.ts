/**
 * What the receiver does with requests from the moment it starts closing (SIGTERM → `app.close()`):
 *
 * - The listener closes at once, in the first `preClose` hook: a new connection is refused
 *   (ECONNREFUSED), so a load balancer sends it to another receiver — even while later shutdown steps
 *   (a retention run, recovery) still finish. Idle kept-alive connections are closed with it (Node's
 *   `server.close()`). Fastify's own `server.close()` after the preClose hooks then only waits for the
 *   remaining connections to end; the store closes after that (its `onClose` runs later).
 * - A request on a connection the receiver still has open (its first bytes had arrived, or it follows a
 *   response still being sent) is handled normally when its route takes requests while closing
 *   (`config.takenWhileClosing`: the delivery route): ShopRenter sends a delivery once and never again,
 *   so it is stored and answered 200 — the store is still open, since it closes only after the last
 *   connection ended. Every answer from then on carries `Connection: close`, so the sender opens its
 *   next connection elsewhere.
 * - Any other request (readiness, admin, inspector) is answered `503 shutting_down` with the uniform
 *   error body and the connection closed (fastify's `return503OnClosing` is off: its body has a shape of
 *   its own, and it would refuse deliveries too).
 *
 * Must be called before any plugin is registered: the first `preClose` hook runs first.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-body.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Handled normally while the receiver closes (a delivery that would otherwise be lost). */
    takenWhileClosing?: boolean;
  }
}

const SHUTTING_DOWN = errorBody(
  'shutting_down',
  'The receiver is shutting down; nothing was read or stored. Send the request again in a moment.',
);

export interface RefuseWhileClosingOptions {
  /**
   * Whether closing this instance closes the listener; default always. The spool-only receiver's listener
   * goes on serving the full receiver after the hand-over (start-up/hand-over-server.ts).
   */
  readonly closesListener?: () => boolean;
}

export function refuseWhileClosing(app: FastifyInstance, options: RefuseWhileClosingOptions = {}): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    // Fastify calls server.close() itself only after every preClose hook; its callback still waits for
    // the last connection (a second close() reports ERR_SERVER_NOT_RUNNING, which fastify accepts).
    if (app.server.listening && (options.closesListener?.() ?? true)) app.server.close();
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing || request.routeOptions.config.takenWhileClosing === true) {
      done();
      return;
    }
    reply.code(503).header('connection', 'close').header('retry-after', '5').send(SHUTTING_DOWN);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // Also for a request that was in flight when closing began: its sender must not reuse the connection.
    if (closing && request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
    done(null, payload);
  });
}
