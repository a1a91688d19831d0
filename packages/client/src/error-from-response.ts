import { INNER_ERROR_CODES, isInnerErrorCode } from '@srhooks/contracts/schemas/api-error';
import { DEFAULT_API_URL } from './endpoint-urls.js';
import {
  type ApiErrorDetails,
  AuthError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ShopRenterApiError,
  ValidationError,
} from './errors.js';
import { requestBodyExcerpt } from './redact.js';
import { requiredScope } from './scopes.js';

export interface FailedResponse {
  status: number;
  /** Parsed JSON body, raw text (XML, HTML…), or undefined for an empty body. */
  body: unknown;
  method: string;
  url: string;
  /** The request body as sent (string or JSON value); secrets are masked in the excerpt. */
  requestBody?: unknown;
  retryAfterSeconds?: number | undefined;
  /** How many attempts were made before giving up (for the message). */
  attempts?: number;
  /** For a 401: the scope the token was known to lack (the auth layer reads the token's claims). */
  missingScope?: string | undefined;
}

/**
 * One factory for every non-success answer. The documented error body is message-only
 * (`{"message": "…"}`); that it may carry the inner code as `error` is an assumption (FACTS.md §2),
 * so both are read, and XML, text and empty bodies are coped with too. Returns the matching subclass.
 */
export function errorFromResponse(failed: FailedResponse): ShopRenterApiError {
  const { status, method } = failed;
  const url = stripQueryTokens(failed.url);
  const { innerCode, serverMessage } = readErrorBody(failed.body);
  const details: ApiErrorDetails = {
    status,
    innerCode,
    method,
    url,
    requestBodyExcerpt: requestBodyExcerpt(failed.requestBody),
    serverMessage,
    retryAfterSeconds: failed.retryAfterSeconds,
  };
  const what = `${method} ${url}`;
  const said = serverMessage ? `: "${serverMessage}"` : '';
  const inner =
    innerCode === undefined ? '' : `/${innerCode}${serverMessage ? '' : meaningSuffix(innerCode)}`;
  const tries = failed.attempts && failed.attempts > 1 ? ` after ${failed.attempts} attempts` : '';

  if (status === 401) {
    // ShopRenter's only permission text is 401/40101 "You have no permission for this operation!";
    // srhooks assumes it also answers a missing scope (contracts README, assumptions table).
    if (failed.missingScope) {
      return new AuthError(
        'forbidden',
        `client lacks scope ${failed.missingScope}: grant it in Settings > API Settings; the client then gets a token that carries it by itself, on a refusal 30 s or more after its current token (${what} answered 401${inner}${said})`,
        details,
        failed.missingScope,
      );
    }
    const scope = requiredScope(method, url);
    const orScope = scope ? ` (or the API client lacks the ${scope} scope this request needs)` : '';
    return new AuthError(
      'unauthorized',
      `ShopRenter answered 401${inner} to ${what}${said}: the credentials were rejected${orScope}. ` +
        'Check the client id and secret (or API user and password) and the granted scopes in Settings > API Settings, and that the API client is still active.',
      details,
      scope,
    );
  }
  if (status === 403) {
    // Documented: 403 "Forbidden", without an inner code and without a cause. A missing scope is
    // assumed to be answered 401/40101 (contracts README, A4), so a 403 is not taken for one: the
    // scope this request needs is named as the first thing to check, not as the diagnosis.
    const scope = requiredScope(method, url);
    const check = scope
      ? `check that the API client has the ${scope} scope this request needs and is active (Settings > API Settings)`
      : 'check the API client’s scopes and that it is active (Settings > API Settings)';
    return new AuthError(
      'forbidden',
      `ShopRenter refused ${what} with 403${inner} (Forbidden)${said}: ${check}, and that the API URL is the shop's (a proxy or firewall in between can answer 403 too; ShopRenter does not document what else a 403 means)`,
      details,
      scope,
    );
  }
  if (status === 404) {
    // A list (or batch) the API does not have at all means the base URL is wrong (a missing {shop},
    // a wrong host or path), not an id: say so instead of sending the user to look for an id.
    const fix = isResourceList(url)
      ? `the API URL is probably wrong: a shop's API base is ${DEFAULT_API_URL} (its {shop} filled in), or the address the shop's API settings give.`
      : 'check the id (list the resources to see which exist).';
    return new NotFoundError(
      'not_found',
      `${what} answered 404${innerCode === undefined ? ' (not found)' : inner}${said}: ${fix}`,
      details,
    );
  }
  if (status === 400) {
    return new ValidationError(
      'validation_failed',
      `ShopRenter rejected ${what} (400${inner})${said}. Fix the request data and send it again.`,
      details,
    );
  }
  if (status === 409) {
    return new ShopRenterApiError(
      'conflict',
      `${what} answered 409${inner}: the resource already exists${said}.`,
      details,
    );
  }
  if (status === 429) {
    return new RateLimitError(
      `ShopRenter rate limit hit (429) on ${what}${tries}: keep the client's rate limiter on (3 requests/s per app and shop), lower concurrency, or use batch.`,
      details,
    );
  }
  if (status >= 500) {
    // A POST other than 503 is not retried: ShopRenter may have carried it out before failing (a
    // webhook created, a batch's inner requests run), and "try again" alone would make it twice.
    const mayBeDone = method === 'POST' && status !== 503;
    const hint =
      status === 504
        ? `the request was too big to finish in time: split it (smaller batch or page)${mayBeDone ? '; the POST may have been carried out in part, so look at what it changed before sending it again' : ''}`
        : mayBeDone
          ? 'ShopRenter is having trouble, and the POST may have been carried out anyway (it is not retried): look whether it was (list the webhooks) before sending it again, or it may be done twice'
          : 'ShopRenter is having trouble: try again later';
    return new ServerError(
      'server_error',
      `${what} answered ${status}${inner}${tries}${said}: ${hint}.`,
      details,
    );
  }
  return new ShopRenterApiError('api_error', `${what} answered ${status}${inner}${said}.`, details);
}

/** Whether `url` names one of the API's resource lists (or batch) itself, not one item of it. */
function isResourceList(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  return /\/(?:webHooks|orders|orderHistories|newsletterSubscribers|batch)\/?$/.test(path);
}

/** The documented text of an inner code (its first one), for bodies that carry a code but no message. */
function meaningSuffix(innerCode: number): string {
  return isInnerErrorCode(innerCode) ? ` "${INNER_ERROR_CODES[innerCode].texts[0]}"` : '';
}

/** Reads `{error, message}` from JSON, `<error>`/`<message>` from XML text, or nothing. */
export function readErrorBody(body: unknown): {
  innerCode: number | undefined;
  serverMessage: string | undefined;
} {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const source =
      record.response && typeof record.response === 'object'
        ? (record.response as Record<string, unknown>)
        : record;
    return { innerCode: toInnerCode(source.error ?? source.code), serverMessage: toMessage(source.message) };
  }
  if (typeof body === 'string' && body.trim() !== '') {
    const text = body.trim();
    if (text.startsWith('<')) {
      return {
        innerCode: toInnerCode(xmlElement(text, 'error') ?? xmlElement(text, 'code')),
        serverMessage: toMessage(xmlElement(text, 'message')),
      };
    }
    return { innerCode: undefined, serverMessage: toMessage(text) };
  }
  return { innerCode: undefined, serverMessage: undefined };
}

function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`).exec(
    xml,
  );
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').trim();
}

function toInnerCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{3,6}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toMessage(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}

export function stripQueryTokens(url: string): string {
  return url.replace(/([?&](?:access_token|token|client_secret|password)=)[^&#]*/gi, '$1***');
}
