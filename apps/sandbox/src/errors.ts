import {
  type InnerErrorCode,
  innerErrorText,
  resourceNotMatchedText,
  STATUS_TEXTS,
} from '@srhooks/contracts';
import { DATE_ERROR_PARAMETER, OUTER_ID_PARAMETER_NAME } from './assumptions.js';

/**
 * Errors the emulated API answers with. Every one carries the HTTP status, ShopRenter's inner code
 * (when the documentation lists one for the case), the **documented text** as its message (contracts'
 * `INNER_ERROR_CODES` / `STATUS_TEXTS`), and a sandbox `hint` that says what exactly was wrong and
 * what to do next. The API body carries only the documented text (shape: `assumptions.ts`
 * `errorBody`); the hint travels in the `X-Sandbox-Hint` header, and is the message of the
 * sandbox's own `/_sandbox` routes.
 */
export class SandboxApiError extends Error {
  override readonly name = 'SandboxApiError';
  constructor(
    readonly status: number,
    /** One of ShopRenter's documented inner codes (contracts' INNER_ERROR_CODES), if the case has one. */
    readonly innerCode: InnerErrorCode | undefined,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** What exactly was wrong and what to do (the sandbox's own words, not ShopRenter's). */
    readonly hint?: string,
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
  /** `code`: `not_found` (an order, subscriber, app…) or `unknown_shop`; sent as `X-Sandbox-Error`. */
  constructor(what: string, hint: string, code = 'not_found') {
    super(404, 40401, code, innerErrorText(40401, { resource: what }), {}, `${what} not found. ${hint}`);
  }
}

function documented(
  status: number,
  innerCode: InnerErrorCode,
  code: string,
  text: string,
  hint?: string,
  headers: Record<string, string> = {},
): SandboxApiError {
  return new SandboxApiError(status, innerCode, code, text, headers, hint);
}

export const apiErrors = {
  /** 40001 "Data parameter not found in POST/PUT!" */
  dataMissing: (hint = 'The request has no body.') =>
    documented(
      400,
      40001,
      'data_missing',
      innerErrorText(40001),
      `${hint} Send a JSON object with Content-Type: application/json.`,
    ),
  /** 40003 "The following fields are required: {field}!" */
  requiredMissing: (fields: string[]) =>
    documented(
      400,
      40003,
      'required_field_missing',
      innerErrorText(40003, { field: fields.join(', ') }),
      `Required field(s) missing: ${fields.join(', ')}. Add them and resend.`,
    ),
  /** 40005 "The given data is wrong!" (the hint says what). */
  wrongData: (hint: string) => documented(400, 40005, 'wrong_data', innerErrorText(40005), hint),
  /** 40005 "The {field} field cannot be empty" */
  fieldEmpty: (field: string) =>
    documented(400, 40005, 'wrong_data', innerErrorText(40005, { field }, 1), `Give '${field}' a value.`),
  /** 40005 "The {parameter} parameter is an already exist OuterID." */
  outerIdExists: (id: string) =>
    documented(
      400,
      40005,
      'outer_id_exists',
      innerErrorText(40005, { parameter: OUTER_ID_PARAMETER_NAME }, 3),
      `The outer id '${id}' already names another webHooks item: choose another one, or address that item by it.`,
    ),
  /** 40005 "The {parameter} parameter has wrong data. This parameter is enum type. …" */
  enumValue: (field: string, value: unknown, accepted: readonly string[]) =>
    documented(
      400,
      40005,
      'wrong_data',
      innerErrorText(40005, { parameter: field }, 8),
      `${JSON.stringify(value)} is not accepted in '${field}'; accepted values: ${accepted.join(', ')}.`,
    ),
  /** 40007 "The given resource id is wrong: {id}!" */
  wrongId: (resource: string, id: string, expected: string) =>
    documented(
      400,
      40007,
      'wrong_resource_id',
      innerErrorText(40007, { id }),
      `'${id}' is an id of another resource, not of ${resource} (whose ids are base64 of '${expected}<n>'): use the 'id' the API returned.`,
    ),
  /** 40007 "The given OuterId is not exist: {id}!" */
  outerIdNotFound: (resource: string, id: string) =>
    documented(
      400,
      40007,
      'outer_id_not_found',
      innerErrorText(40007, { id }, 1),
      `No ${resource} item has the outer id '${id}'; PUT cannot create an item with an outer id: POST /${resource}/${id} does.`,
    ),
  /** 40008 "Page not found! This Resource minimum page is 0 and maximum page is {page}" */
  pageOutOfRange: (lastPage: number) =>
    documented(400, 40008, 'page_out_of_range', innerErrorText(40008, { page: lastPage })),
  /** 40009 "The given datetime parameter: {parameter} is invalid! Valid datetime format is 1990-01-01T00:00:00" */
  invalidDateTime: (parameter: string, value: string) =>
    documented(
      400,
      40009,
      'invalid_datetime',
      innerErrorText(40009, { parameter: DATE_ERROR_PARAMETER(parameter, value) }),
      `${JSON.stringify(value)} is not a datetime in '${parameter}': use the shop's local time as 2013-01-01T10:30:00.`,
    ),
  /** 40017 "The given date parameter: {parameter} is invalid! Valid date format is 1990-01-01" */
  invalidDate: (parameter: string, value: string) =>
    documented(
      400,
      40017,
      'invalid_date',
      innerErrorText(40017, { parameter: DATE_ERROR_PARAMETER(parameter, value) }),
      `${JSON.stringify(value)} is not a date in '${parameter}': use a day such as 2013-01-01.`,
    ),
  /**
   * 40010 "The given parameter: {parameter} is not available!": a query parameter the collection does
   * not take (the occasion is assumed, A48).
   */
  parameterNotAvailable: (parameter: string, collection: string, accepted: readonly string[]) =>
    documented(
      400,
      40010,
      'parameter_not_available',
      innerErrorText(40010, { parameter }),
      `The ${collection} collection takes: ${accepted.join(', ')}.`,
    ),
  /** 40013 "POST content length exceeds the limit of {limit} bytes." */
  bodyTooLarge: (limitBytes: number) =>
    documented(
      400,
      40013,
      'body_too_large',
      innerErrorText(40013, { limit: limitBytes }),
      'Split the request into smaller ones.',
    ),
  /** 40016 "The {parameter} parameter is not UTF-8 encoded." (`data`: the body; an assumption) */
  notUtf8: () =>
    documented(
      400,
      40016,
      'not_utf8',
      innerErrorText(40016, { parameter: 'data' }),
      'The request body is not valid UTF-8: encode it as UTF-8.',
    ),
  /**
   * 401/40101 "You have no permission for this operation!" (`challenge`: the scheme the route
   * takes, `Basic` on the legacy API base).
   */
  unauthorized: (hint: string, challenge: 'Bearer' | 'Basic' = 'Bearer') =>
    documented(401, 40101, 'unauthorized', innerErrorText(40101), hint, { 'www-authenticate': challenge }),
  /** 403 "Forbidden" (no inner code; the sandbox answers it only if assumptions.ts [A4] is switched). */
  forbidden: (hint: string) => new SandboxApiError(403, undefined, 'forbidden', STATUS_TEXTS[403], {}, hint),
  /** 404/40401 "Resource not found! {resource}" for an id that names no item (`resource`: e.g. `orders/b3Jk…`). */
  notFound: (hint: string, resource = '') =>
    documented(404, 40401, 'not_found', innerErrorText(40401, { resource }).trim(), hint),
  /** 404, message only: "Resource matching URI "{path}" not found" (the batch page's documented body). */
  noResource: (path: string, hint: string) =>
    new SandboxApiError(404, undefined, 'no_resource', resourceNotMatchedText(path), {}, hint),
  /** 405: not documented; answered message-only with the HTTP reason. */
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new SandboxApiError(
      405,
      undefined,
      'method_not_allowed',
      'Method Not Allowed',
      { allow: allowed.join(', ') },
      `${method} is not supported on ${path}; use ${allowed.join(', ')}.`,
    ),
  /** 429 "Too Many Requests" (no inner code). */
  tooManyRequests: (perSecond: number) =>
    new SandboxApiError(
      429,
      undefined,
      'too_many_requests',
      STATUS_TEXTS[429],
      {},
      `At most ${perSecond} requests per second per application and shop. Slow down and retry.`,
    ),
  /** 500 "Internal Server Error" / 503 "Service Unavailable" (fault injection). */
  injectedFault: (status: 500 | 503) =>
    new SandboxApiError(
      status,
      undefined,
      'injected_fault',
      STATUS_TEXTS[status],
      {},
      'Sandbox fault injection. Retry later.',
    ),
};
