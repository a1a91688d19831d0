import type { InnerErrorCode } from '@srhooks/contracts';

/**
 * Errors the emulated API answers with. Every one carries the HTTP status, ShopRenter's inner code
 * (when the documentation lists one) and a message that tells the caller what to do next.
 * The body they are rendered into is an assumption kept in `assumptions.ts`.
 */
export class SandboxApiError extends Error {
  override readonly name = 'SandboxApiError';
  constructor(
    readonly status: number,
    /** One of ShopRenter's documented inner codes (contracts' INNER_ERROR_CODES), if the status has one. */
    readonly innerCode: InnerErrorCode | undefined,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A configuration problem found while building the sandbox (bad seed file, bad options). */
export class SandboxConfigError extends Error {
  override readonly name = 'SandboxConfigError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A simulator call named a shop, order or subscriber that does not exist. */
export class SandboxNotFoundError extends SandboxApiError {
  constructor(what: string, hint: string) {
    super(404, 40401, 'not_found', `${what} not found. ${hint}`);
  }
}

export const apiErrors = {
  dataMissing: (detail = 'The request has no body.') =>
    new SandboxApiError(
      400,
      40001,
      'data_missing',
      `${detail} Send a JSON object with Content-Type: application/json.`,
    ),
  readOnlyField: (field: string) =>
    new SandboxApiError(400, 40002, 'read_only_field', `'${field}' is read-only: remove it from the body.`),
  requiredMissing: (fields: string[]) =>
    new SandboxApiError(
      400,
      40003,
      'required_field_missing',
      `Required field(s) missing: ${fields.join(', ')}. Add them and resend.`,
    ),
  wrongData: (message: string) => new SandboxApiError(400, 40005, 'wrong_data', message),
  enumValue: (field: string, value: unknown, accepted: readonly string[]) =>
    new SandboxApiError(
      400,
      40005,
      'wrong_data',
      `Wrong data in '${field}': ${JSON.stringify(value)} is an enum type, check accepted values: ${accepted.join(', ')}.`,
    ),
  wrongId: (resource: string, id: string, expected: string) =>
    new SandboxApiError(
      400,
      40007,
      'wrong_resource_id',
      `Wrong resource id '${id}' for ${resource}: ids are base64 of '${expected}<n>', use the 'id' the API returned.`,
    ),
  pageOutOfRange: (lastPage: number) =>
    new SandboxApiError(
      400,
      40008,
      'page_out_of_range',
      `Page out of range: minimum page is 0 and maximum page is ${lastPage}.`,
    ),
  bodyTooLarge: (limitBytes: number) =>
    new SandboxApiError(
      400,
      40013,
      'body_too_large',
      `The request body is larger than ${limitBytes} bytes: split it into smaller requests.`,
    ),
  notUtf8: () =>
    new SandboxApiError(400, 40016, 'not_utf8', 'The request body is not valid UTF-8: encode it as UTF-8.'),
  unauthorized: (message: string) =>
    new SandboxApiError(401, 40101, 'unauthorized', message, { 'www-authenticate': 'Bearer' }),
  forbidden: (message: string) => new SandboxApiError(403, undefined, 'forbidden', message),
  notFound: (message: string) => new SandboxApiError(404, 40401, 'not_found', message),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new SandboxApiError(
      405,
      undefined,
      'method_not_allowed',
      `${method} is not supported on ${path}; use ${allowed.join(', ')}.`,
      { allow: allowed.join(', ') },
    ),
  tooManyRequests: (perSecond: number) =>
    new SandboxApiError(
      429,
      undefined,
      'too_many_requests',
      `Too Many Requests: at most ${perSecond} requests per second per application and shop. Slow down and retry.`,
    ),
  injectedFault: (status: 500 | 503) =>
    new SandboxApiError(
      status,
      undefined,
      'injected_fault',
      status === 503
        ? 'Service Unavailable (sandbox fault injection). Retry later.'
        : 'Internal Server Error (sandbox fault injection). Retry later.',
    ),
};
