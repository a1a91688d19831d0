import { randomUUID } from 'node:crypto';
import { type TokenErrorBody, TokenRequestSchema, type TokenResponse } from '@srhooks/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { JWKS_PATH, UNSUPPORTED_GRANT_TYPE_BODY } from '../assumptions.js';
import { apiErrors } from '../errors.js';
import { ERROR_CODE_HEADER, HINT_HEADER, headerValue } from '../http/error-handler.js';
import { parseTokenBody } from '../http/request-body.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { publicJwks, signJwt } from './jwt.js';

const INVALID_REQUEST_DESCRIPTION =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';
const INVALID_CLIENT_DESCRIPTION = 'Client authentication failed';

function tokenError(reply: FastifyReply, status: number, body: TokenErrorBody): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

function invalidRequest(reply: FastifyReply, hint: string): FastifyReply {
  return tokenError(reply, 400, {
    error: 'invalid_request',
    error_description: INVALID_REQUEST_DESCRIPTION,
    hint,
    message: INVALID_REQUEST_DESCRIPTION,
  });
}

/**
 * 401 with the documented body exactly (it has no `hint`, FACTS.md §1); the sandbox's reason goes in
 * `X-Sandbox-Hint`, as for the API's errors.
 */
function invalidClient(reply: FastifyReply, hint: string): FastifyReply {
  reply.header(HINT_HEADER, headerValue(hint)).header(ERROR_CODE_HEADER, 'invalid_client');
  return tokenError(reply, 401, {
    error: 'invalid_client',
    error_description: INVALID_CLIENT_DESCRIPTION,
    message: INVALID_CLIENT_DESCRIPTION,
  });
}

/**
 * `POST /{shop}/app/token`: OAuth 2 client credentials as ShopRenter documents them (FACTS.md §1):
 * 200 `{token_type, expires_in, access_token}`, 401 `invalid_client`, 400 `invalid_request` with `hint`.
 */
export function registerTokenRoute(app: FastifyInstance, state: SandboxState): void {
  // The public key of the RS256 tokens (assumptions.ts [A9]: ShopRenter documents no key set),
  // computed on the first request (the key itself is made when first needed).
  let jwks: ReturnType<typeof publicJwks> | null = null;
  app.get(JWKS_PATH, async (_request, reply) => {
    jwks ??= publicJwks(state.tokenKey);
    return reply
      .type('application/json')
      .header('cache-control', 'public, max-age=300')
      .send(JSON.stringify(await jwks));
  });

  app.post<{ Params: { shop: string } }>('/:shop/app/token', async (request, reply) => {
    const shop = state.findShop(request.params.shop);
    if (shop?.faults.tokenEndpointDown) {
      return tokenError(reply, 503, {
        error: 'temporarily_unavailable',
        error_description: 'The token endpoint is down (sandbox fault injection).',
        message: 'The token endpoint is down (sandbox fault injection). Retry later.',
      });
    }
    const body = parseTokenBody(request.body, request.headers['content-type']);
    if (!body.ok) return invalidRequest(reply, `${body.reason} Send a JSON body.`);
    const fields = body.fields;
    const grantType = fields.grant_type;
    if (grantType !== 'client_credentials') {
      return tokenError(reply, 400, { ...UNSUPPORTED_GRANT_TYPE_BODY });
    }
    if (typeof fields.client_id !== 'string' || fields.client_id === '') {
      return invalidRequest(reply, 'Check the `client_id` parameter');
    }
    const parsed = TokenRequestSchema.safeParse(fields);
    if (!parsed.success) return invalidClient(reply, 'Check the `client_secret` parameter');
    const { client_id: clientId, client_secret: clientSecret } = parsed.data;
    if (!shop) return invalidClient(reply, `There is no shop '${request.params.shop}' in this sandbox.`);
    // An app's ClientId works only on shops where the app is installed (assumptions.ts [A30]):
    // `clientsFor` lists the shop's own clients and the clients of the apps installed there.
    const client = state.clientsFor(shop).find((c) => c.clientId === clientId);
    if (!client || client.clientSecret !== clientSecret) {
      return invalidClient(
        reply,
        client
          ? `Wrong client secret for client '${clientId}' on shop '${shop.seed.name}'.`
          : `No API client '${clientId}' on shop '${shop.seed.name}' (nor an app installed there with that id).`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const ttl = state.options.tokenTtlSeconds;
    // exp agrees with expires_in: exactly `expires_in` after iat (JWT times are whole seconds), so
    // never later than the answer says.
    const exp = now + ttl;
    const jti = randomUUID();
    const token = await signJwt(
      {
        iss: 'srhooks-sandbox',
        aud: client.clientId,
        sub: client.clientId,
        jti,
        shop: shop.seed.name,
        scope: client.scopes.join(' '),
        scopes: [...client.scopes],
        iat: now,
        nbf: now,
        exp,
        ...(client.installId ? { installId: client.installId } : {}),
      },
      state.tokenKey,
    );
    state.tokenIssued(shop.seed.name, jti, exp);
    const answer: TokenResponse = { token_type: 'Bearer', expires_in: ttl, access_token: token };
    return reply.code(200).type('application/json').send(JSON.stringify(answer));
  });

  // The token URL takes POST only: other methods get 405 with Allow, as the API's wrong methods do.
  app.route<{ Params: { shop: string } }>({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/:shop/app/token',
    handler: async (request) => {
      throw apiErrors.methodNotAllowed(request.method, request.url.split('?')[0] ?? '/', ['POST']);
    },
  });
}
