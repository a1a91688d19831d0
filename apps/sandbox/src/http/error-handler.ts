import { BATCH_MAX_BODY_BYTES, ContractsError, STATUS_TEXTS } from '@srhooks/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../assumptions.js';
import { apiErrors, SandboxApiError, SandboxConfigError } from '../errors.js';
import { isApiUrl, sendApiBody, wantsJson } from './respond.js';

/** Turns anything thrown into a documented-shape error (never a stack trace). */
function toApiError(error: unknown): SandboxApiError | undefined {
  if (error instanceof SandboxApiError) return error;
  if (error instanceof SandboxConfigError || error instanceof ContractsError) {
    return apiErrors.wrongData(error.message);
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiErrors.bodyTooLarge(BATCH_MAX_BODY_BYTES);
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return apiErrors.dataMissing('The Content-Length header does not match the body.');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SandboxApiError(
      status,
      undefined,
      fastifyError.code ?? 'bad_request',
      'Bad Request',
      {},
      fastifyError.message ?? 'Bad request',
    );
  }
  return undefined;
}

/** Header that carries the sandbox's own explanation of an API error (the body keeps ShopRenter's text). */
export const HINT_HEADER = 'x-sandbox-hint';

/**
 * Header that carries the sandbox's code for every error it answers (e.g. `unknown_shop`,
 * `not_found`, `no_subscriber`, `no_resource`): tools tell the sandbox's answers (and which thing was
 * not found) from another server's.
 */
export const ERROR_CODE_HEADER = 'x-sandbox-error';

/** A header-safe (printable ASCII, one line) copy of a hint. */
export function headerValue(text: string): string {
  return text
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 1000);
}

/**
 * API routes answer the documented text in the body (shape: assumptions.ts `errorBody`) and the
 * sandbox's hint in `X-Sandbox-Hint`; the sandbox's own routes put the hint in the body.
 */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: SandboxApiError,
): FastifyReply {
  reply.headers(error.headers);
  const api = isApiUrl(request.url);
  if (error.hint) reply.header(HINT_HEADER, headerValue(error.hint));
  reply.header(ERROR_CODE_HEADER, error.code);
  const json = !api || wantsJson(request.headers.accept);
  const message = api ? error.message : (error.hint ?? error.message);
  return sendApiBody(reply, error.status, errorBody(error.status, error.innerCode, message), json);
}

/** One error handler and one not-found handler for the whole sandbox. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError) return sendError(request, reply, apiError);
    request.log.error({ err: error }, 'unexpected error in the sandbox');
    return sendError(
      request,
      reply,
      new SandboxApiError(
        500,
        undefined,
        'internal',
        STATUS_TEXTS[500],
        {},
        `Internal error in the sandbox (request ${request.id}); see the sandbox log for details.`,
      ),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      apiErrors.noResource(
        request.url.split('?')[0] ?? '/',
        `No route ${request.method} ${request.url.split('?')[0]}: the sandbox serves /{shop}/app/token, /{shop}/api/…, /{shop}/legacy-api/… and /{shop}/_sandbox/….`,
      ),
    ),
  );
}
