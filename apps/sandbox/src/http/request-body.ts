import {
  JsonSyntaxError,
  MultipartFormatError,
  parseContentType,
  parseJsonText,
  parseUrlEncoded,
  readMultipartFormData,
  UrlEncodedFormatError,
} from '@srhooks/contracts';
import { apiErrors } from '../errors.js';
import { nestFormFields } from './form-body.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `JSON.parse(text)` of a request body, or `{ syntaxError }`: "The request body is not valid JSON:
 * <what> at line L, column C." (contracts' `parseJsonText`). Node's own message is never used: it
 * quotes the body around the error, and a body may hold a customer's name or e-mail.
 */
function parseBodyJson(text: string): { value: unknown } | { syntaxError: string } {
  try {
    return { value: parseJsonText(text, 'The request body') };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { syntaxError: `${error.message}.` };
    throw error;
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * The JSON body of an API request (the sandbox reads every body itself, so each mistake gets a
 * documented inner code): none → undefined, too big → 40013, not UTF-8 → 40016, no or another
 * Content-Type / malformed JSON or form → 40001. JSON, `multipart/form-data` and urlencoded forms
 * (PHP bracket notation, see form-body.ts) are read, as ShopRenter accepts forms too.
 */
export function parseJsonBody(raw: unknown, contentType: string | undefined, limitBytes: number): unknown {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  if (raw.length > limitBytes) throw apiErrors.bodyTooLarge(limitBytes);
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw apiErrors.notUtf8();
  }
  const type = mediaType(contentType);
  if (type === undefined) throw apiErrors.dataMissing('The request has a body but no Content-Type header.');
  if (type === 'multipart/form-data') return parseMultipartBody(raw, contentType as string);
  if (type === 'application/x-www-form-urlencoded') {
    try {
      return nestFormFields(parseUrlEncoded(text));
    } catch (error) {
      if (error instanceof UrlEncodedFormatError) throw apiErrors.dataMissing(error.message);
      throw error;
    }
  }
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw apiErrors.dataMissing(
      `Unsupported Content-Type '${type}': send application/json (recommended) or multipart/form-data.`,
    );
  }
  if (text.trim() === '') return undefined;
  const parsed = parseBodyJson(text);
  // dataMissing adds what to send: "Send a JSON object with Content-Type: application/json."
  if ('syntaxError' in parsed) throw apiErrors.dataMissing(parsed.syntaxError);
  return parsed.value;
}

/** A multipart/form-data API body with PHP bracket names → the nested object it stands for. */
function parseMultipartBody(raw: Buffer, contentType: string): Record<string, unknown> {
  const boundary = parseContentType(contentType)?.params.boundary;
  if (!boundary)
    throw apiErrors.dataMissing('The multipart/form-data Content-Type has no boundary parameter.');
  try {
    const parts = readMultipartFormData(raw, boundary);
    return nestFormFields(parts.map((part) => [part.name, part.value.toString('utf8')] as const));
  } catch (error) {
    if (error instanceof MultipartFormatError) {
      throw apiErrors.dataMissing(`The multipart/form-data body is malformed: ${error.message}`);
    }
    throw error;
  }
}

/** The fields of a token request body: JSON or application/x-www-form-urlencoded (OAuth 2 style). */
export function parseTokenBody(
  raw: unknown,
  contentType: string | undefined,
): { ok: true; fields: Record<string, unknown> } | { ok: false; reason: string } {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { ok: true, fields: {} };
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, reason: 'The request body is not valid UTF-8.' };
  }
  if (mediaType(contentType) === 'application/x-www-form-urlencoded') {
    return { ok: true, fields: Object.fromEntries(new URLSearchParams(text)) };
  }
  // a blank body is no body (as in parseJsonBody), not "the file is empty at line 1, column 1"
  if (text.trim() === '') return { ok: true, fields: {} };
  const parsed = parseBodyJson(text);
  if ('syntaxError' in parsed) return { ok: false, reason: parsed.syntaxError };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'The request body must be a JSON object.' };
  }
  return { ok: true, fields: value as Record<string, unknown> };
}
