import { z } from 'zod';

/**
 * ShopRenter's documented inner error codes (FACTS.md §2) with their meaning.
 * ASSUMPTION: the JSON error body is `{"error": <innerCode>, "message": "<text>"}` (undocumented).
 */
export const INNER_ERROR_CODES = {
  40001: 'data missing in POST/PUT request',
  40002: 'read-only field sent',
  40003: 'required field missing',
  40004: 'required query parameter missing',
  40005: 'wrong data (enum value not accepted, field cannot be empty, …)',
  40007: 'wrong resource id',
  40008: 'page out of range',
  40010: 'parameter not available',
  40013: 'request body too large',
  40014: 'request body too large',
  40016: 'request is not UTF-8',
  40101: 'no permission',
  40401: 'resource not found',
  40901: 'resource already exists',
} as const;

export type InnerErrorCode = keyof typeof INNER_ERROR_CODES;

export function isInnerErrorCode(value: unknown): value is InnerErrorCode {
  return typeof value === 'number' && Object.hasOwn(INNER_ERROR_CODES, value);
}

export const ApiErrorBodySchema = z.looseObject({
  error: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
});

export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** Status codes the API documents. */
export const API_ERROR_STATUSES = [400, 401, 403, 404, 409, 429, 500, 503, 504] as const;
