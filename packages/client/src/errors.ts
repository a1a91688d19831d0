/**
 * Every error the client throws is a `ShopRenterError`: a stable `code` for programs and a
 * message for people that says what to do next.
 */
export class ShopRenterError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface ApiErrorDetails {
  status: number;
  /** ShopRenter's inner error code (`40005`, …) when the body carried one. */
  innerCode: number | undefined;
  method: string;
  url: string;
  /** The first characters of the request body, secrets masked; `undefined` when there was none. */
  requestBodyExcerpt: string | undefined;
  /** The server's own message, when the body carried one. */
  serverMessage: string | undefined;
  /** Seconds the server asked us to wait (`Retry-After`), when it said. */
  retryAfterSeconds?: number | undefined;
}

export type ApiErrorCode =
  | 'api_error'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'conflict'
  | 'rate_limited'
  | 'server_error'
  | 'unexpected_response';

/** The ShopRenter API answered a status that is not a success. */
export class ShopRenterApiError extends ShopRenterError {
  declare readonly code: ApiErrorCode;
  readonly status: number;
  readonly innerCode: number | undefined;
  readonly method: string;
  readonly url: string;
  readonly requestBodyExcerpt: string | undefined;
  readonly serverMessage: string | undefined;
  constructor(code: ApiErrorCode, message: string, details: ApiErrorDetails) {
    super(code, message);
    this.status = details.status;
    this.innerCode = details.innerCode;
    this.method = details.method;
    this.url = details.url;
    this.requestBodyExcerpt = details.requestBodyExcerpt;
    this.serverMessage = details.serverMessage;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      innerCode: this.innerCode,
      method: this.method,
      url: this.url,
      message: this.message,
      serverMessage: this.serverMessage,
      requestBodyExcerpt: this.requestBodyExcerpt,
    };
  }
}

/** 401 (token missing, expired or rejected) or 403 (the API client lacks a scope). */
export class AuthError extends ShopRenterApiError {
  declare readonly code: 'unauthorized' | 'forbidden';
  /** The scope the request needed, when the client can tell (`store.webhook:write`, …). */
  readonly requiredScope: string | undefined;
  constructor(code: 'unauthorized' | 'forbidden', message: string, details: ApiErrorDetails, scope?: string) {
    super(code, message, details);
    this.requiredScope = scope;
  }
}

/** 404: the resource does not exist (or no longer does). */
export class NotFoundError extends ShopRenterApiError {
  declare readonly code: 'not_found';
}

/** 400: ShopRenter rejected the request data (inner codes 400xx). */
export class ValidationError extends ShopRenterApiError {
  declare readonly code: 'validation_failed';
}

/** 429 that survived every retry. */
export class RateLimitError extends ShopRenterApiError {
  declare readonly code: 'rate_limited';
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, details: ApiErrorDetails) {
    super('rate_limited', message, details);
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** 5xx that survived every retry. */
export class ServerError extends ShopRenterApiError {
  declare readonly code: 'server_error';
}

export type TokenErrorCode =
  | 'invalid_client'
  | 'invalid_request'
  | 'token_endpoint_unavailable'
  | 'invalid_token_response';

/** The OAuth token endpoint refused us or could not be reached. */
export class TokenError extends ShopRenterError {
  declare readonly code: TokenErrorCode;
  /** HTTP status of the token endpoint, 0 when it could not be reached. */
  readonly status: number;
  readonly url: string;
  /** `error` / `error_description` / `hint` of the OAuth error body, when present. */
  readonly oauthError: string | undefined;
  readonly description: string | undefined;
  readonly hint: string | undefined;
  constructor(
    code: TokenErrorCode,
    message: string,
    details: {
      status: number;
      url: string;
      oauthError?: string | undefined;
      description?: string | undefined;
      hint?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.url = details.url;
    this.oauthError = details.oauthError;
    this.description = details.description;
    this.hint = details.hint;
  }
}

/** Every `InputError.code`. */
export const INPUT_ERROR_CODES = [
  'invalid_input',
  'invalid_event',
  'field_not_available',
  'invalid_url',
  'insecure_url',
  'invalid_shop',
  'invalid_auth',
  'duplicate_subscription',
  'no_oauth',
  'missing_secret',
  'weak_secret',
  'unknown_key',
] as const;

/**
 * What was wrong: `invalid_input` (a value of the wrong shape), `invalid_event`,
 * `field_not_available` (a field the event does not offer), `invalid_url`, `insecure_url` (plain
 * http to a non-loopback host), `invalid_shop`, `invalid_auth`, `duplicate_subscription` (the same
 * event and url twice in a sync), `no_oauth` (`getToken()` with Basic auth), `missing_secret` /
 * `weak_secret` (a receiver secret that is absent or under 16 characters), `unknown_key` (a property
 * the input does not take, such as `webhookDelay` for `webHookDelay`: sent, it would be ignored).
 */
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

/** Bad input caught before anything was sent. */
export class InputError extends ShopRenterError {
  declare readonly code: InputErrorCode;
  /** Which input was wrong (`event`, `webHookParameters[0].url`, `auth`, …). */
  readonly field: string | undefined;
  readonly value: unknown;
  /** The accepted values, when there is a fixed list. */
  readonly allowed: readonly string[] | undefined;
  constructor(
    message: string,
    details: { field?: string; value?: unknown; allowed?: readonly string[]; code?: InputErrorCode } = {},
  ) {
    super(details.code ?? 'invalid_input', message);
    this.field = details.field;
    this.value = typeof details.value === 'string' ? details.value.slice(0, 200) : details.value;
    this.allowed = details.allowed;
  }
}

/** The request never got an answer: connection refused/reset, DNS, or the per-request timeout. */
export class NetworkError extends ShopRenterError {
  declare readonly code: 'network_error' | 'timeout';
  readonly method: string;
  readonly url: string;
  constructor(
    code: 'network_error' | 'timeout',
    message: string,
    details: { method: string; url: string; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.method = details.method;
    this.url = details.url;
  }
}
