/**
 * One log line per request (instead of fastify's "incoming" + "completed" pair): method, masked
 * URL, remote address, status, time, plus whatever the route put in `request.logContext`
 * (delivery id, event counts, decode error code). Probe and metrics requests log at debug (a probe's
 * expected refusal too: the probe logs why itself). A 5xx
 * logs at error — unless the route set `request.expectedFailure`: a failure it answered on purpose
 * with a typed error code, the expected outcome of the caller's request (e.g. an on-demand recovery
 * whose shop API is unreachable or refuses the credentials), which logs at warn with those fields.
 * A thrown error (a bug) always logs at error.
 */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { infoLineWriter, serializeRequest } from './create-logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Extra fields for this request's completion log line (set by routes). */
    logContext: Record<string, unknown> | null;
    /**
     * Set by a route that answered a 5xx on purpose, with a typed error code (`errorCode`, …): the
     * request's outcome, reported to the caller, logged at warn with these fields instead of at error.
     */
    expectedFailure: ({ errorCode: string } & Record<string, unknown>) | null;
  }
}

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/readyz/deliveries', '/metrics']);

export class ReceiverLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const log = reply.log as unknown as Logger;
    const fast = error ? null : infoLineWriter(log);
    if (
      fast !== null &&
      request.logContext !== null &&
      reply.statusCode < 400 &&
      log.isLevelEnabled('info')
    ) {
      // A stored delivery: the same line as below, built without pino's serializers.
      fast(
        {
          reqId: request.id,
          req: serializeRequest(request),
          res: { statusCode: reply.statusCode },
          responseTime: reply.elapsedTime,
          ...request.logContext,
        },
        'request completed',
      );
      return;
    }
    const fields = {
      req: request,
      res: reply,
      responseTime: reply.elapsedTime,
      ...(request.logContext ?? {}),
      ...(error ? { err: error } : {}),
    };
    const quiet = QUIET_ROUTES.has(request.routeOptions.url ?? '');
    if (!error && reply.statusCode >= 500 && request.expectedFailure !== null) {
      // a probe's refusal: the probe's own line says why, once per change
      if (quiet) reply.log.debug({ ...fields, ...request.expectedFailure }, 'request failed');
      else reply.log.warn({ ...fields, ...request.expectedFailure }, 'request failed');
    } else if (error || reply.statusCode >= 500) {
      reply.log.error(fields, 'request failed');
    } else if (quiet) {
      reply.log.debug(fields, 'request completed');
    } else {
      reply.log.info(fields, 'request completed');
    }
  }
}
