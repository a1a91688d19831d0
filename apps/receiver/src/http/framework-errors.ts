/**
 * Requests fastify's router refuses before any route runs (`frameworkErrors`): a path with a malformed
 * percent-encoding (`%zz`) or a path parameter longer than the router takes (100 characters). Fastify's
 * own answer is its library body, echoing the path; these get the receiver's uniform body instead, and
 * under /hooks/ the generic 404 of a forged delivery (counted and logged like one), as every other
 * malformed signed URL.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, NOT_FOUND_BODY } from './error-body.js';

const MESSAGES: Record<string, [status: number, code: string, message: string]> = {
  FST_ERR_BAD_URL: [
    400,
    'bad_url',
    'The request path holds a malformed percent-encoding (such as %zz); nothing was read.',
  ],
  FST_ERR_MAX_PARAM_LENGTH: [
    414,
    'path_segment_too_long',
    'A segment of the request path is longer than the receiver accepts (100 characters); nothing was read.',
  ],
};

export function frameworkErrorHandler(
  app: () => FastifyInstance,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    if (request.url.startsWith('/hooks/')) {
      app().metrics.forgedAttempts.inc({ reason: 'unknown_route' });
      request.log.warn(
        { forged: { reason: 'unknown_route', remoteAddress: request.ip } },
        'forged delivery attempt refused',
      );
      reply.code(404).send(NOT_FOUND_BODY);
      return;
    }
    const [status, code, message] = MESSAGES[error.code] ?? [400, 'bad_request', 'The request is not valid.'];
    reply.code(status).send(errorBody(code, message));
  };
}
