/**
 * Errors of the admin API, each with a stable `code`, an HTTP status and a message that says what to
 * do next; `adminErrorAnswer` maps them (and the store's own errors) to the JSON error body.
 */
import type { z } from 'zod';
import { type ErrorBody, errorBody } from '../http/error-body.js';
import {
  PruneInProgressError,
  StoreConflictError,
  StoreNotFoundError,
  StoreUnavailableError,
} from '../store/store.js';

export class AdminApiError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: Record<string, unknown>;

  constructor(statusCode: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

/** What a value of the wrong type should have been, in words (zod's `expected`). */
const EXPECTED_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object of the options (see receiver docs/admin-api-and-inspector.md, JSON admin API)',
  array: 'a list',
};

/**
 * zod's own text for a value of the wrong type (`Invalid input: expected string, received array`) in
 * words: a missing field is required, a query field given twice must be given once, anything else
 * names what it must be. Messages the schemas set themselves are kept.
 */
export function issueMessage(
  where: 'query' | 'params' | 'body',
  issue: z.core.$ZodIssue,
  input: unknown,
): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message;
  let value: unknown = input;
  for (const key of issue.path) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (value === undefined) return 'is required';
  if (where === 'query' && Array.isArray(value)) {
    return `must be given once (it was given ${value.length} times)`;
  }
  return `must be ${EXPECTED_WORDS[issue.expected] ?? issue.expected}`;
}

/** A query, path parameter or body that does not pass its schema; names the first offending field. */
/** 409 `not_quarantined` (docs/admin-api-and-inspector.md): the delivery was re-processed already, or never quarantined. */
export function notQuarantined(message: string): AdminApiError {
  return new AdminApiError(409, 'not_quarantined', message);
}

export class AdminValidationError extends AdminApiError {
  /** The part of the request refused. */
  readonly where: 'query' | 'params' | 'body';
  /** The first refused field's path (`reveal`, `id`), or null for the part as a whole or unknown fields. */
  readonly field: string | null;
  /** Fields the part does not take (an unknown query parameter), else empty. */
  readonly unknownFields: readonly string[];
  /** What is wrong with `field`, without the part's name (`must be 1 (show personal data) or absent`). */
  readonly problem: string;

  constructor(where: 'query' | 'params' | 'body', error: z.ZodError, input?: unknown) {
    const issue = error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : null;
    const unknownFields = issue?.code === 'unrecognized_keys' ? issue.keys : [];
    const problem = issue ? issueMessage(where, issue, input) : 'is invalid';
    const message =
      unknownFields.length > 0
        ? `${where}: unknown ${unknownFields.length === 1 ? 'field' : 'fields'} ${unknownFields.join(', ')}; see receiver docs/admin-api-and-inspector.md, JSON admin API`
        : `${where}${field ? `.${field}` : ''}: ${problem}`;
    super(400, 'invalid_request', message, {
      in: where,
      ...(field ? { field } : unknownFields.length > 0 ? { field: unknownFields[0] } : {}),
    });
    this.where = where;
    this.field = field;
    this.unknownFields = unknownFields;
    this.problem = problem;
  }
}

export function parseRequestPart<S extends z.ZodType>(
  schema: S,
  where: 'query' | 'params' | 'body',
  value: unknown,
): z.output<S> {
  // A missing query or body is no options; a JSON `null` body is not (a client that serialises a filter
  // it left out as null must not get the action with no filter: every dead letter replayed).
  const given = value === undefined || (value === null && where !== 'body') ? {} : value;
  const result = schema.safeParse(given);
  if (!result.success) throw new AdminValidationError(where, result.error, given);
  return result.data;
}

/**
 * Where a POST's options are read from ({@link parseBodyOrQuery}): the query string when it has no body,
 * or an empty one of another type (`curl -X POST -H 'content-type: text/plain'`: no options), else the body.
 * A refusal found after parsing names the field by this part (`body.from`, `query.from`).
 */
export function optionsPart(request: { body: unknown }): 'query' | 'body' {
  return request.body === undefined || request.body === '' ? 'query' : 'body';
}

/**
 * A POST's options: its JSON body, or its query string when it has no body (`curl -X POST …?a=b`); never
 * both. One schema for both, or `{body, query}` when a JSON body must carry numbers and booleans as JSON
 * while the query string carries them as text.
 */
export function parseBodyOrQuery<S extends z.ZodType>(
  schema: S | { body: S; query: z.ZodType<z.output<S>> },
  request: { body: unknown; query: unknown; headers?: Record<string, string | string[] | undefined> },
): z.output<S> {
  const schemas = schema instanceof Object && 'body' in schema ? schema : { body: schema, query: schema };
  if (optionsPart(request) === 'query') return parseRequestPart(schemas.query, 'query', request.query);
  const queryFields = Object.keys((request.query ?? {}) as object);
  if (queryFields.length > 0) {
    throw new AdminApiError(
      400,
      'invalid_request',
      `query: ${queryFields.join(', ')} given with a JSON body; send the options either as the JSON body or as query parameters, not both`,
      { in: 'query', field: queryFields[0] },
    );
  }
  if (typeof request.body === 'string') {
    // a body of another type than JSON arrives as text: whatever it says, it is not the options
    const type = String(request.headers?.['content-type'] ?? 'no Content-Type').split(';')[0];
    throw new AdminApiError(
      400,
      'invalid_request',
      `body: must be a JSON object of the options sent as application/json (this one was ${type}); see receiver docs/admin-api-and-inspector.md, JSON admin API`,
      { in: 'body' },
    );
  }
  return parseRequestPart(schemas.body, 'body', request.body);
}

/**
 * A list's filters sent as a JSON body (`POST /deliveries/search`, `/events/search`), so what is searched
 * for stands in no address: the same fields as the list's query string, each a text (a number or a
 * boolean is taken as its text: `"limit": 50`), checked by the same schema; never with a query string.
 */
export function parseListFiltersBody<S extends z.ZodType>(
  schema: S,
  request: { body: unknown; query: unknown; headers?: Record<string, string | string[] | undefined> },
): z.output<S> {
  const queryFields = Object.keys((request.query ?? {}) as object);
  if (queryFields.length > 0) {
    throw new AdminApiError(
      400,
      'invalid_request',
      `query: ${queryFields.join(', ')} given to a search; send every filter in its JSON body (a search route takes no query string, so nothing searched for stands in an address)`,
      { in: 'query', field: queryFields[0] },
    );
  }
  const body = request.body === undefined || request.body === '' ? {} : request.body;
  if (typeof body === 'string' || body === null || typeof body !== 'object' || Array.isArray(body)) {
    const type = String(request.headers?.['content-type'] ?? 'no Content-Type').split(';')[0];
    throw new AdminApiError(
      400,
      'invalid_request',
      `body: must be a JSON object of the list's filters sent as application/json (this one was ${typeof body === 'string' ? type : body === null ? 'null' : Array.isArray(body) ? 'a list' : typeof body}); see receiver docs/admin-api-and-inspector.md, JSON admin API`,
      { in: 'body' },
    );
  }
  const texts: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    texts[field] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  return parseRequestPart(schema, 'body', texts);
}

/** The status and JSON body for an error thrown by an admin route, or null for anything unexpected. */
export function adminErrorAnswer(error: unknown): { status: number; body: ErrorBody } | null {
  if (error instanceof AdminApiError) {
    return { status: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof StoreNotFoundError)
    return { status: 404, body: errorBody('not_found', error.message) };
  if (error instanceof StoreConflictError) return { status: 409, body: errorBody('conflict', error.message) };
  if (error instanceof PruneInProgressError) {
    return { status: 409, body: errorBody('prune_in_progress', error.message) };
  }
  if (error instanceof StoreUnavailableError) {
    return { status: 503, body: errorBody('store_unavailable', error.message) };
  }
  return null;
}
