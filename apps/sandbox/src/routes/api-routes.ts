import { BATCH_MAX_BODY_BYTES } from '@srhooks/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BATCH_RATE_LIMIT_COST, MAX_BODY_BYTES, shopDateHeader } from '../assumptions.js';
import { type ApiKind, authenticate } from '../auth/authenticate.js';
import { apiErrors, type SandboxApiError } from '../errors.js';
import { faultFor } from '../faults/faults.js';
import { parseJsonBody } from '../http/request-body.js';
import { sendApiBody, wantsJson } from '../http/respond.js';
import { ALL_SCOPES } from '../options.js';
import type { ApiContext } from '../resources/api-context.js';
import { dispatchApiCall } from '../resources/api-dispatch.js';
import { countBatchRequests, runBatch } from '../resources/batch.js';
import type { SandboxState } from '../state/sandbox-state.js';

type ApiRequest = FastifyRequest<{
  Params: { shop: string; '*': string };
  Querystring: Record<string, unknown>;
}>;

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function readBody(request: ApiRequest, isBatch: boolean): { body: unknown; error?: SandboxApiError } {
  try {
    const limit = isBatch ? BATCH_MAX_BODY_BYTES : MAX_BODY_BYTES;
    return { body: parseJsonBody(request.body, request.headers['content-type'], limit) };
  } catch (error) {
    return { body: undefined, error: error as SandboxApiError };
  }
}

/** Each API base below `/{shop}`: API2 (Bearer tokens) and the legacy API (HTTP Basic auth). */
const API_MOUNTS: ReadonlyArray<{ kind: ApiKind; segment: string }> = [
  { kind: 'api2', segment: 'api' },
  { kind: 'legacy', segment: 'legacy-api' },
];

/**
 * `/{shop}/api/…` (API2, Bearer only) and `/{shop}/legacy-api/…` (the legacy API, Basic only):
 * authentication, the rate limit, injected faults, then the resource; the same resources on both.
 * Order: latency → auth (401) → rate limit (429) → forced faults (429/500/503) → body errors → resource.
 */
export function registerApiRoutes(app: FastifyInstance, state: SandboxState): void {
  for (const mount of API_MOUNTS) registerApiMount(app, state, mount.kind, mount.segment);
}

function registerApiMount(app: FastifyInstance, state: SandboxState, kind: ApiKind, segment: string): void {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const prefix = new RegExp(`^/[^/]+/${segment}`);

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: `/:shop/${segment}/*`,
    bodyLimit: BATCH_MAX_BODY_BYTES,
    // The shop's clock (clockOffsetSeconds, A46) when the answer is sent, as a server stamps its Date
    // header: a slow answer's time is not that of its request.
    onSend: async (_request: ApiRequest, reply, payload) => {
      reply.header('date', shopDateHeader(state.now()));
      return payload;
    },
    handler: async (request: ApiRequest, reply) => {
      const json = wantsJson(request.headers.accept);
      const shop = state.shop(request.params.shop);
      if (shop.faults.latencyMs) await sleep(shop.faults.latencyMs);
      const principal = await authenticate(
        request.headers.authorization,
        { ...shop.seed, clients: state.clientsFor(shop) },
        state.tokenKey,
        Date.now(),
        ALL_SCOPES,
        kind,
        (jti) => state.tokenRevoked(shop.seed.name, jti),
      );
      // The raw path (segments still percent-encoded): base64 ids may contain an encoded '/'.
      const path = (request.url.split('?')[0] ?? '').replace(prefix, '') || '/';
      const isBatch = /^\/batch\/?$/.test(path);
      const { body, error: bodyError } = readBody(request, isBatch);
      const cost = isBatch ? BATCH_RATE_LIMIT_COST(countBatchRequests(body)) : 1;
      if (
        state.rateLimiter &&
        !state.rateLimiter.tryAcquire(`${shop.seed.name}\u0000${principal.id}`, cost)
      ) {
        throw apiErrors.tooManyRequests(state.rateLimiter.limit);
      }
      const fault = faultFor(shop.faults);
      if (fault.kind === '429') throw apiErrors.tooManyRequests(state.rateLimiter?.limit ?? 3);
      if (fault.kind === 'error') throw apiErrors.injectedFault(fault.status);
      if (bodyError) throw bodyError;

      const ctx: ApiContext = {
        state,
        shop,
        principal,
        apiBase: `${origin(request)}/${shop.seed.name}/${segment}`,
      };
      if (isBatch) {
        if (request.method !== 'POST') throw apiErrors.methodNotAllowed(request.method, path, ['POST']);
        const result = runBatch(ctx, body);
        return sendApiBody(reply, result.status, result.body, json);
      }
      const result = dispatchApiCall(ctx, { method: request.method, path, query: request.query, body });
      return sendApiBody(reply, result.status, result.body, json);
    },
  });
}
