/**
 * Central error handling: client errors keep their status with a clear JSON message; anything
 * else is a 500 whose body names only the request id (the details go to the log).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-body.js';

/** Fastify's own error codes → what the sender should do. */
const CLIENT_ERROR_MESSAGES: Record<string, [code: string, message: string]> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'invalid_content_length',
    'The body length does not match the Content-Length header; send the complete body.',
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    "This route does not take a body of this Content-Type: the admin API takes application/json, the inspector's forms application/x-www-form-urlencoded; or send no body.",
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['empty_body', 'The body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
};

/** The receiver's words for fastify's own 4xx error `code` (`[code, message]`), or undefined. */
export function knownClientError(code: string): [code: string, message: string] | undefined {
  return CLIENT_ERROR_MESSAGES[code];
}

/** A delivery's 413: over the hard limit; `advice` says how this receiver's operator raises it (limit-advice.ts). */
export function bodyTooLargeMessage(limit: number, advice: string): string {
  return `The body is larger than the receiver's limit of ${limit} bytes; nothing was stored. ${advice}`;
}

/** Any other route's 413: its own limit, which no setting changes for deliveries. */
export function routeBodyTooLargeMessage(limit: number): string {
  return `The body is larger than this route's limit of ${limit} bytes; the request was refused before anything was done. Send a smaller body.`;
}

/**
 * Gives every route registered in `app` (this plugin's scope) the body limit `limit`, for every
 * Content-Type. A content-type parser's own `bodyLimit` is not enough: fastify's default parsers
 * (JSON, text) keep the server's limit (SRHOOKS_BODY_LIMIT), and `request.routeOptions.bodyLimit`,
 * which the 413 names, reports the server's limit unless the route sets its own.
 */
export function limitRouteBodies(app: FastifyInstance, limit: number): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= limit;
  });
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply
      .code(413)
      .send(errorBody('body_too_large', routeBodyTooLargeMessage(request.routeOptions.bodyLimit ?? 0)));
  }
  if (status >= 400 && status < 500) {
    const known = CLIENT_ERROR_MESSAGES[error.code];
    const [code, message] = known ?? ['bad_request', error.message];
    return reply.code(status).send(errorBody(code, message));
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply
    .code(500)
    .send(
      errorBody(
        'internal_error',
        `Internal error (request ${request.id}); the details are in the receiver's log.`,
      ),
    );
}
