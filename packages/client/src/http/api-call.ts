import type { paths } from '@srhooks/contracts';
import type { Client } from 'openapi-fetch';
import { errorFromResponse, stripQueryTokens } from '../error-from-response.js';
import { ShopRenterApiError } from '../errors.js';
import { missingScopeOf } from '../middleware/auth.js';
import { attemptsOf } from '../middleware/retry.js';

/** What openapi-fetch hands back for one call. */
export interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export interface CallContext {
  method: string;
  url: string;
  requestBody?: unknown;
}

/**
 * The client's openapi-fetch calls, each made with `parseAs: 'text'`: openapi-fetch's own
 * `response.json()` throws a bare `SyntaxError` for a 2xx body that is not JSON (a proxy's HTML
 * page, a cut-off body), before `unwrap` could say which call it was. With text, `unwrap` parses
 * the body itself and reports such an answer as a `ShopRenterApiError` (`unexpected_response`).
 * Error bodies are unaffected (openapi-fetch reads them as text and tries JSON either way).
 */
export function withTextBodies(api: Client<paths>): Client<paths> {
  type Call = (path: unknown, init?: object) => Promise<unknown>;
  const wrap =
    (call: unknown): Call =>
    (path, init) =>
      (call as Call)(path, { ...init, parseAs: 'text' });
  const wrapped = {
    ...api,
    GET: wrap(api.GET),
    POST: wrap(api.POST),
    PUT: wrap(api.PUT),
    DELETE: wrap(api.DELETE),
  };
  return wrapped as unknown as Client<paths>;
}

/**
 * Throws the typed error for a non-success answer; returns the body of a success (parsed from
 * JSON when openapi-fetch handed it over as text, see `withTextBodies`; `undefined` when empty).
 */
export function unwrap(result: FetchResult, context: CallContext): unknown {
  const { response } = result;
  if (!response.ok) {
    const retryAfter = response.headers.get('retry-after');
    throw errorFromResponse({
      status: response.status,
      body: result.error,
      method: context.method,
      url: context.url,
      requestBody: context.requestBody,
      retryAfterSeconds: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined,
      attempts: attemptsOf(response),
      missingScope: missingScopeOf(response),
    });
  }
  if (typeof result.data !== 'string') return result.data;
  if (result.data.trim() === '') return undefined;
  try {
    return JSON.parse(result.data);
  } catch {
    const contentType = response.headers.get('content-type') ?? 'none';
    const url = stripQueryTokens(context.url);
    throw new ShopRenterApiError(
      'unexpected_response',
      `${context.method} ${url} answered ${response.status} with a body that is not JSON (content-type ${contentType}, ${result.data.length} characters). Check that the API URL points at a ShopRenter API (a proxy or login page may have answered instead).`,
      {
        status: response.status,
        innerCode: undefined,
        method: context.method,
        url,
        requestBodyExcerpt: undefined,
        serverMessage: undefined,
      },
    );
  }
}

/** The part of a zod schema this module uses (keeps zod itself out of the client's dependencies). */
export interface SafeParser<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** Checks a success body against a contracts schema; a mismatch is an `unexpected_response` error. */
export function parseBody<T>(
  schema: SafeParser<T>,
  body: unknown,
  context: CallContext & { status: number },
): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
  throw new ShopRenterApiError(
    'unexpected_response',
    `${context.method} ${context.url} answered ${context.status} with a body srhooks cannot read${where}: ${issue?.message ?? 'unexpected shape'}. Check that the API URL points at a ShopRenter API.`,
    {
      status: context.status,
      innerCode: undefined,
      method: context.method,
      url: context.url,
      requestBodyExcerpt: undefined,
      serverMessage: undefined,
    },
  );
}
