/**
 * `Expect: 100-continue` answered only when the body is actually wanted. By default Node answers
 * `100 Continue` as soon as the request head arrives, so a sender of a body the receiver will refuse
 * (over the hard body limit, a forged URL) uploads it all before hearing the refusal. Here the
 * server holds the 100 back: routes refuse in `onRequest` (before any body is read) with a final
 * status instead — Node then closes the connection, as the sender may or may not send the body — and
 * a request that gets as far as its body (`preParsing`) is told to continue.
 *
 * Any other `Expect` value is refused before routing with 417, as Node would, but with the receiver's
 * uniform error body (Node's own answer has none) and the connection closed: nothing is read or stored.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-body.js';

const EXPECTATION_FAILED = JSON.stringify(
  errorBody(
    'expectation_failed',
    'The Expect header asks for something this receiver does not do: only "Expect: 100-continue" is supported; send the request without it. Nothing was read.',
  ),
);

const continuePending = new WeakSet<ServerResponse>();
/**
 * Servers whose expectation listeners are set. Once per server: two instances may share one (the
 * spool-only receiver hands its socket over, start-up/hand-over-server.ts), and a second
 * `checkContinue` listener would dispatch the request twice.
 */
const prepared = new WeakSet<object>();

export function deferExpectContinue(app: FastifyInstance): void {
  app.addHook('preParsing', (_request, reply, payload, done) => {
    if (continuePending.delete(reply.raw)) reply.raw.writeContinue();
    done(null, payload);
  });
  if (prepared.has(app.server)) return;
  prepared.add(app.server);
  app.server.on('checkExpectation', (_request, response) => {
    response.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(EXPECTATION_FAILED),
      connection: 'close',
    });
    response.end(EXPECTATION_FAILED);
  });
  app.server.on('checkContinue', (request, response) => {
    continuePending.add(response);
    app.server.emit('request', request, response);
  });
}
