import { errorFromResponse } from '../error-from-response.js';
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

/** Throws the typed error for a non-success answer; returns the body of a success. */
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
  return result.data;
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
