import { apiErrors } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * The JSON body of an API request (the sandbox reads every body itself, so each mistake gets a
 * documented inner code): none → undefined, too big → 40013, not UTF-8 → 40016, no or non-JSON
 * Content-Type / malformed JSON → 40001.
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
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw apiErrors.dataMissing(`The sandbox reads request bodies as JSON only, got Content-Type '${type}'.`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiErrors.dataMissing(`The request body is not valid JSON (${(error as Error).message}).`);
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
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: 'The request body must be a JSON object.' };
    }
    return { ok: true, fields: parsed as Record<string, unknown> };
  } catch (error) {
    return { ok: false, reason: `The request body is not valid JSON (${(error as Error).message}).` };
  }
}
