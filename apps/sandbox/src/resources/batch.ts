import { BatchRequestSchema } from '@srhooks/contracts';
import { BATCH_EMPTY_BODY, BATCH_MAX_REQUESTS, errorBody } from '../assumptions.js';
import { apiErrors, SandboxApiError } from '../errors.js';
import type { ApiContext, ApiResult } from './api-context.js';
import { dispatchApiCall } from './api-dispatch.js';

/** How many inner requests a batch body carries (for the rate limit), 0 when it is not a batch body. */
export function countBatchRequests(body: unknown): number {
  const requests = (body as { data?: { requests?: unknown } } | null)?.data?.requests;
  return Array.isArray(requests) ? requests.length : 0;
}

/** The resource path below the API base for an inner `uri` (absolute URL or path). */
function resourcePath(
  ctx: ApiContext,
  uri: string,
): { path: string; query: Record<string, unknown> } | undefined {
  let url: URL;
  try {
    url = new URL(uri, ctx.apiBase);
  } catch {
    return undefined;
  }
  const base = new URL(ctx.apiBase).pathname; // '/{shop}/api'
  let path = url.pathname;
  if (path.startsWith(`${base}/`)) path = path.slice(base.length);
  else if (path.startsWith('/api/')) path = path.slice('/api'.length);
  else return undefined;
  return { path, query: Object.fromEntries(url.searchParams) };
}

function answerInner(ctx: ApiContext, method: string, uri: string, data: unknown): ApiResult {
  const target = resourcePath(ctx, uri);
  if (!target) {
    let path = uri;
    try {
      path = new URL(uri, ctx.apiBase).pathname;
    } catch {
      // keep the uri as given
    }
    throw apiErrors.noResource(
      path,
      `Batch uri '${uri}' is not a resource of this shop's API (${ctx.apiBase}/…).`,
    );
  }
  if (/^\/batch\/?$/.test(target.path)) {
    throw apiErrors.wrongData('A batch request cannot contain another batch request.');
  }
  return dispatchApiCall(ctx, { method, path: target.path, query: target.query, body: data });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `POST /batch`: runs the inner requests one after another and answers 200 with each inner
 * status and body (FACTS.md §2), even when inner requests fail. Without `data` → 40001 "Data
 * parameter not found in POST/PUT!" (the batch page's "frequent issues"). More than the
 * recommended 200 inner requests are run (assumptions.ts [A8]); the 32 MB body limit is the
 * route's. Each inner request is checked against the scope it needs, on its own.
 */
export function runBatch(ctx: ApiContext, body: unknown): ApiResult {
  if (!isObject(body) || !isObject(body.data)) {
    throw apiErrors.dataMissing('The batch body has no "data" object.');
  }
  const parsed = BatchRequestSchema.safeParse(body);
  if (!parsed.success) {
    if (BATCH_MAX_REQUESTS !== undefined && countBatchRequests(body) > BATCH_MAX_REQUESTS) {
      throw apiErrors.wrongData(
        `A batch may carry at most ${BATCH_MAX_REQUESTS} requests; split it and send the batches one after another.`,
      );
    }
    const issue = parsed.error.issues[0];
    throw apiErrors.wrongData(
      `Wrong batch body at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'not accepted'}. Send {"data":{"requests":[{"method","uri","data"}]}}.`,
    );
  }
  const request = parsed.data.data.requests.map((inner) => {
    let result: ApiResult;
    try {
      result = answerInner(ctx, inner.method, inner.uri, inner.data);
    } catch (error) {
      if (!(error instanceof SandboxApiError)) throw error;
      result = { status: error.status, body: errorBody(error.status, error.innerCode, error.message) };
    }
    return {
      method: inner.method,
      uri: inner.uri,
      response: {
        header: { statusCode: result.status },
        // An answer without a body (DELETE's 204) carries an empty one: `<body/>` in the
        // documentation's XML example; in JSON the PHP empty array `[]` (assumptions.ts).
        body: result.body === undefined ? BATCH_EMPTY_BODY : result.body,
      },
    };
  });
  return { status: 200, body: { requests: { request } } };
}
