import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACCESS_CREDENTIAL_GONE_BODY } from '../assumptions.js';
import { HINT_HEADER } from '../http/error-handler.js';
import { sendApiBody, wantsJson } from '../http/respond.js';
import type { SandboxState } from '../state/sandbox-state.js';

/** Where the old install flow fetched Basic-auth credentials after an install (FACTS.md §7). */
export const ACCESS_CREDENTIAL_PATH = '/:shop/admin/oauth/access_credential';

/**
 * `/{shop}/admin/oauth/access_credential` is gone and answers 403 (FACTS.md §7), whatever the
 * method; the body is the message-only error (assumptions.ts [A26]), JSON or XML as the API
 * negotiates. An unknown shop is still 404.
 */
export function registerAccessCredentialRoute(app: FastifyInstance, state: SandboxState): void {
  app.all(ACCESS_CREDENTIAL_PATH, async (request: FastifyRequest<{ Params: { shop: string } }>, reply) => {
    state.shop(request.params.shop);
    reply.header(
      HINT_HEADER,
      "The access_credential call of the old install flow is gone: get a token with the app's ClientId/ClientSecret at POST /{shop}/app/token.",
    );
    return sendApiBody(reply, 403, ACCESS_CREDENTIAL_GONE_BODY, wantsJson(request.headers.accept));
  });
}
