import { ContractsError } from '@srhooks/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, MAX_BATCH_BODY_BYTES } from '../assumptions.js';
import { apiErrors, SandboxApiError, SandboxConfigError } from '../errors.js';
import { isApiUrl, sendApiBody, wantsJson } from './respond.js';

/** Turns anything thrown into a documented-shape error (never a stack trace). */
function toApiError(error: unknown): SandboxApiError | undefined {
  if (error instanceof SandboxApiError) return error;
  if (error instanceof SandboxConfigError || error instanceof ContractsError) {
    return apiErrors.wrongData(error.message);
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiErrors.bodyTooLarge(MAX_BATCH_BODY_BYTES);
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return apiErrors.dataMissing('The Content-Length header does not match the body.');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SandboxApiError(
      status,
      undefined,
      fastifyError.code ?? 'bad_request',
      fastifyError.message ?? 'Bad request',
    );
  }
  return undefined;
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: SandboxApiError,
): FastifyReply {
  reply.headers(error.headers);
  const json = !isApiUrl(request.url) || wantsJson(request.headers.accept);
  return sendApiBody(reply, error.status, errorBody(error.status, error.innerCode, error.message), json);
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
        `Internal error in the sandbox (request ${request.id}); see the sandbox log for details.`,
      ),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      apiErrors.notFound(
        `No route ${request.method} ${request.url.split('?')[0]}: the sandbox serves /{shop}/app/token, /{shop}/api/… and /{shop}/_sandbox/….`,
      ),
    ),
  );
}
