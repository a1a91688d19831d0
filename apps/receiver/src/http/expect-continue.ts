/**
 * `Expect: 100-continue` answered only when the body is actually wanted. By default Node answers
 * `100 Continue` as soon as the request head arrives, so a sender of a body the receiver will refuse
 * (over the hard body limit, a forged URL) uploads it all before hearing the refusal. Here the
 * server holds the 100 back: routes refuse in `onRequest` (before any body is read) with a final
 * status instead — Node then closes the connection, as the sender may or may not send the body — and
 * a request that gets as far as its body (`preParsing`) is told to continue.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

const continuePending = new WeakSet<ServerResponse>();

export function deferExpectContinue(app: FastifyInstance): void {
  app.server.on('checkContinue', (request, response) => {
    continuePending.add(response);
    app.server.emit('request', request, response);
  });
  app.addHook('preParsing', (_request, reply, payload, done) => {
    if (continuePending.delete(reply.raw)) reply.raw.writeContinue();
    done(null, payload);
  });
}
