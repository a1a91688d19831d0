import { z } from 'zod';

/**
 * ShopRenter's documented inner error codes with the HTTP status each comes with and its
 * documented text(s), word for word (sr-api-docs `development/api/02_status_codes.md`,
 * FACTS.md §2). Texts keep the documentation's placeholders (`{field}`, `{parameter}`, `{id}`,
 * `{page}`, `{limit}`, `{resource}`); `innerErrorText()` fills them in. 40005 and 40007 have
 * several documented texts.
 */
export const INNER_ERROR_CODES = {
  40001: { status: 400, texts: ['Data parameter not found in POST/PUT!'] },
  40002: { status: 400, texts: ['The following fields are readonly: {field}!'] },
  40003: { status: 400, texts: ['The following fields are required: {field}!'] },
  40004: { status: 400, texts: ['The following query parameters are required: {field}!'] },
  40005: {
    status: 400,
    texts: [
      'The given data is wrong!',
      'The {field} field cannot be empty',
      'The given data is empty or not in PHP array format.',
      'The {parameter} parameter is an already exist OuterID.',
      'The {parameter} must be integer 1 between 1000000000.',
      'The {parameter} parameter has wrong data. The data is not int.',
      'The {parameter} parameter has wrong data. The data is not scalar (scalar is integer, float, string or boolean).',
      'The {parameter} parameter has wrong data. Can not add CustomerGroupPrice to the Default CustomerGroup.',
      'The {parameter} parameter has wrong data. This parameter is enum type. Check API documentation for accepted values.',
      'The {parameter} parameter is not a valid resource identifier or invalid format. Valid format: array([id] => dGF4Q2xhc3MtdGF4X2NsYXNzX2lkPTEw)',
    ],
  },
  40006: { status: 400, texts: ['Some resource identity in the given data is wrong!'] },
  40007: {
    status: 400,
    texts: ['The given resource id is wrong: {id}!', 'The given OuterId is not exist: {id}!'],
  },
  40008: {
    status: 400,
    texts: ['Page not found! This Resource minimum page is 0 and maximum page is {page}'],
  },
  40009: {
    status: 400,
    texts: [
      'The given datetime parameter: {parameter} is invalid! Valid datetime format is 1990-01-01T00:00:00',
    ],
  },
  40010: { status: 400, texts: ['The given parameter: {parameter} is not available!'] },
  40011: { status: 400, texts: ['Resource identity is missing.'] },
  40012: { status: 400, texts: ['Product does not have product class!'] },
  40013: { status: 400, texts: ['POST content length exceeds the limit of {limit} bytes.'] },
  40014: {
    status: 400,
    texts: ['POST is either empty or content length exceeds the limit of {limit} bytes.'],
  },
  40015: { status: 400, texts: ['Reached maximum product limit.'] },
  40016: { status: 400, texts: ['The {parameter} parameter is not UTF-8 encoded.'] },
  40017: {
    status: 400,
    texts: ['The given date parameter: {parameter} is invalid! Valid date format is 1990-01-01'],
  },
  40018: { status: 400, texts: ['Reached maximum attribute limit. The limit is {limit}'] },
  40021: { status: 400, texts: ['Both variant parameters cannot reference the same attribute!'] },
  40022: { status: 400, texts: ['Text attribute cannot be used as variant parameter'] },
  40023: { status: 400, texts: ['Only list attributes can have ICON select type'] },
  40024: { status: 400, texts: ['Another product class with the same name already exists!'] },
  40025: { status: 400, texts: ['Cannot delete product class which has products!'] },
  40032: { status: 400, texts: ['The given orderBy parameter: {parameter} is invalid!'] },
  40101: { status: 401, texts: ['You have no permission for this operation!'] },
  40033: { status: 404, texts: ['Product not found with sku: {parameter}'] },
  40401: { status: 404, texts: ['Resource not found! {resource}'] },
  40901: { status: 409, texts: ['Resource exists!'] },
} as const satisfies Record<number, { status: number; texts: readonly [string, ...string[]] }>;

export type InnerErrorCode = keyof typeof INNER_ERROR_CODES;

export function isInnerErrorCode(value: unknown): value is InnerErrorCode {
  return typeof value === 'number' && Object.hasOwn(INNER_ERROR_CODES, value);
}

/**
 * The documented texts of the statuses that come without an inner code (403, 429) and of the
 * 5xx statuses (same page).
 */
export const STATUS_TEXTS = {
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
} as const;

/**
 * The message of the only error body the documentation shows (the batch page, an inner request
 * to a URI that names no resource): `{"message": "Resource matching URI \"/category/…\" not found"}`.
 */
export function resourceNotMatchedText(path: string): string {
  return `Resource matching URI ${JSON.stringify(path)} not found`;
}

/** A documented text with its `{placeholder}`s filled in; unknown placeholders stay as they are. */
export function fillErrorText(text: string, values: Readonly<Record<string, string | number>> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/**
 * The documented text of `code` (the first one, or the one at `variant` for 40005/40007) with
 * its placeholders filled in.
 */
export function innerErrorText(
  code: InnerErrorCode,
  values: Readonly<Record<string, string | number>> = {},
  variant = 0,
): string {
  const texts: readonly string[] = INNER_ERROR_CODES[code].texts;
  const text = texts[variant];
  if (text === undefined) throw new RangeError(`inner code ${code} has no documented text #${variant}`);
  return fillErrorText(text, values);
}

/**
 * An API error body. The only documented one carries just `message` (FACTS.md §2); that it may
 * also carry the inner code as `error` is an **assumption** (contracts README, assumptions
 * table): clients read both forms, and XML or empty bodies too.
 */
export const ApiErrorBodySchema = z.looseObject({
  error: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
});

export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** Status codes the API documents. */
export const API_ERROR_STATUSES = [400, 401, 403, 404, 409, 429, 500, 503, 504] as const;

function textPattern(text: string): RegExp {
  const parts = text.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`);
}

/** Is `message` one of the documented texts of `code`, placeholders filled in with anything? */
export function isDocumentedErrorText(code: number, message: string): boolean {
  if (!isInnerErrorCode(code)) return false;
  const texts: readonly string[] = INNER_ERROR_CODES[code].texts;
  return texts.some((text) => textPattern(text).test(message));
}
