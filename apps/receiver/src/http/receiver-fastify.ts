/**
 * The receiver's fastify instance with its HTTP behaviour and nothing else: limits (the connection cap
 * too: connection-limit.ts), trusted proxies, the
 * uniform error bodies (client, framework and route errors), refusals while closing, `Expect:
 * 100-continue`, and the 404 of a forged delivery under /hooks/. Both the full receiver (app.ts) and the
 * spool-only receiver a start without its store serves (start-up/spool-only-receiver.ts) are built on it,
 * so both answer the same way.
 */
import type { Server } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
} from 'fastify';
import type { Logger } from 'pino';
import type { ReceiverConfig } from '../config/config-schema.js';
import { ReceiverLogController } from '../logging/receiver-log-controller.js';
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import { handleClientError } from './client-error.js';
import { limitConnections } from './connection-limit.js';
import { NOT_FOUND_BODY } from './error-body.js';
import { handleError } from './error-handler.js';
import { deferExpectContinue } from './expect-continue.js';
import { frameworkErrorHandler } from './framework-errors.js';
import { refuseWhileClosing } from './refuse-while-closing.js';
import { fastifyTrustProxy } from './trust-proxy.js';

/** A slow sender gets this long for one request (headers and body), then the socket is closed. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** How long one plugin may take to start (its store reads included) before the start fails. */
const PLUGIN_TIMEOUT_MS = 60_000;

export interface ReceiverFastifyOptions {
  /** Serve on a server created elsewhere (start-up/hand-over-server.ts) instead of fastify's own. */
  readonly serverFactory?: FastifyServerFactory<Server>;
  /** Whether closing the instance closes its listener (refuse-while-closing.ts); default always. */
  readonly closesListener?: () => boolean;
  /** The answer to a request no route takes outside /hooks/ (default the uniform 404). */
  readonly unknownRoute?: (reply: FastifyReply) => FastifyReply;
}

export function createReceiverFastify(
  config: ReceiverConfig,
  logger: Logger,
  options: ReceiverFastifyOptions = {},
): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new ReceiverLogController(),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: config.bodyLimit,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // fastify's 10 s per plugin is for a plugin that never finishes; on a loaded machine (CI's two cores
    // running suites side by side) a start that was merely slow failed with "Plugin did not start in time".
    pluginTimeout: PLUGIN_TIMEOUT_MS,
    // While the server closes, refuseWhileClosing takes deliveries and answers the rest 503 (the uniform body).
    return503OnClosing: false,
    clientErrorHandler: handleClientError,
    frameworkErrors: frameworkErrorHandler(() => app),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
  }) as unknown as FastifyInstance;

  // On the server it listens with, whether fastify's own or the hand-over server (start-up/).
  limitConnections(app.server, config.maxConnections, {
    logger,
    countDrop: () => (app as { metrics?: ReceiverMetrics }).metrics?.droppedConnections.inc(),
  });
  app.decorateRequest('logContext', null);
  app.decorateRequest('expectedFailure', null);
  refuseWhileClosing(app, options.closesListener ? { closesListener: options.closesListener } : {});
  deferExpectContinue(app);
  const notFound = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (request.url.startsWith('/hooks/')) {
      app.metrics.forgedAttempts.inc({ reason: 'unknown_route' });
      request.log.warn(
        { forged: { reason: 'unknown_route', remoteAddress: request.ip } },
        'forged delivery attempt refused',
      );
      return reply.code(404).send(NOT_FOUND_BODY);
    }
    return options.unknownRoute ? options.unknownRoute(reply) : reply.code(404).send(NOT_FOUND_BODY);
  };
  // A route that does not exist is answered as one whatever its body: reading the body (over the limit,
  // JSON that does not parse) must not answer first, naming the receiver's body limit.
  app.setErrorHandler((error: FastifyError, request, reply) =>
    request.is404 && (error.statusCode ?? 500) < 500
      ? notFound(request, reply)
      : handleError(error, request, reply),
  );
  app.setNotFoundHandler(notFound);
  return app;
}
