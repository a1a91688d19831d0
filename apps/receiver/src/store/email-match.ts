/**
 * How an erasure by e-mail address recognises the address: in a stored payload's `email` (or
 * `email_hash`) field, and in a quarantined delivery's raw body in each form a sender may have written
 * it (JSON-escaped, XML-escaped, URL-encoded, composed or decomposed). Used by the erase plan
 * (erase-plan.ts) and the spool's erasure (personal-data/erase-spool.ts).
 */
import { createHash } from 'node:crypto';
import { customerEmailHash } from '@srhooks/contracts/customer-email-hash';
import { rawBodyTexts } from './raw-body-order.js';

/**
 * The `email_hash` values an order of this address may carry (a subscription whose `fields` select
 * `order_email_hash` but not `order_email`): the SHA-256 (hex) of the address trimmed and lower-cased, as
 * the sandbox writes it, and of the address as given, trimmed — how ShopRenter folds it before hashing is
 * not documented (assumed: row A49 of contracts' assumptions table) — each of the address composed (NFC)
 * and decomposed (NFD): the shop hashes the characters the customer typed, and an accented letter may
 * have been typed either way.
 */
export function emailHashes(email: string): string[] {
  const forms = [email.normalize('NFC'), email.normalize('NFD')];
  return [
    ...new Set(
      forms.flatMap((form) => [
        customerEmailHash(form),
        createHash('sha256').update(form.trim()).digest('hex'),
      ]),
    ),
  ];
}

/** A field of the stored payload (JSON text or parsed); undefined when the payload is no JSON object. */
function payloadField(payload: unknown, field: string): unknown {
  let item = payload;
  if (typeof payload === 'string') {
    try {
      item = JSON.parse(payload);
    } catch {
      return undefined;
    }
  }
  if (item === null || typeof item !== 'object') return undefined;
  return (item as Record<string, unknown>)[field];
}

/** Whether the stored payload's `email_hash` is one of these hashes (hex, ignoring case). */
export function payloadHasEmailHash(payload: unknown, hashes: readonly string[]): boolean {
  const value = payloadField(payload, 'email_hash');
  return typeof value === 'string' && hashes.includes(value.trim().toLowerCase());
}

/**
 * The e-mail address as compared: trimmed, lower case, composed (Unicode NFC), so `é` written as one
 * character and as `e` with a combining accent (NFD) are the same address. Accents are kept: unlike the
 * search text's fold (`foldForSearch`, which strips them to find candidates), `eva@` is not `éva@`.
 */
export function normalisedEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

/** Whether the stored payload (JSON text or parsed) has this e-mail address in its `email` field. */
export function payloadHasEmail(payload: unknown, email: string): boolean {
  const value = payloadField(payload, 'email');
  return typeof value === 'string' && normalisedEmail(value) === email;
}

/** JSON with every non-ASCII character escaped (`\u00e1`, lower-case hex as PHP's json_encode writes it). */
function jsonAsciiEscaped(text: string): string {
  return text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The XML text of an element outside CDATA: `&`, `<`, `>`, `"` and `'` (named or numeric) as entities. */
function xmlEscapedForms(text: string): string[] {
  const base = text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
  return [base.replaceAll("'", '&apos;'), base.replaceAll("'", '&#39;')];
}

/**
 * The forms an e-mail address takes in a raw body: as written (also XML in CDATA), JSON-escaped (PHP
 * writes `/` as `\/` and, by default, a non-ASCII character as `\u00e1`), XML-escaped outside CDATA
 * (`&amp;`, `&apos;` / `&#39;`), URL-encoded; each composed (NFC) and decomposed (NFD: `e\u0301` when
 * escaped). Lower case, as the bodies are compared.
 */
export function rawBodyForms(email: string): string[] {
  return [
    ...new Set(
      [email.normalize('NFC'), email.normalize('NFD')].flatMap((form) => {
        const jsonSlash = form.replaceAll('/', '\\/');
        return [
          form,
          jsonSlash,
          jsonAsciiEscaped(form),
          jsonAsciiEscaped(jsonSlash),
          ...xmlEscapedForms(form),
          encodeURIComponent(form).toLowerCase(),
        ];
      }),
    ),
  ];
}

/** A raw_body column's value as bytes (empty when NULL). */
export function bufferOf(body: unknown): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(body) ? body : Buffer.from(body as Uint8Array);
}

const JSON_UNICODE_ESCAPE = /\\u[0-9a-fA-F]{4}/;

/** The text with JSON's `\uXXXX` escapes replaced by the UTF-16 units they stand for (surrogate pairs join up). */
function jsonUnescaped(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** Whether a raw body (bytes) holds the e-mail address in one of its forms, ignoring case. */
export function rawBodyHasEmail(body: unknown, email: string): boolean {
  if (body === null || body === undefined) return false;
  // As received, and with its URL-encoded runs decoded: a form encoder may encode more than
  // encodeURIComponent does (PHP's `'` → %27, `~` → %7E), or a JSON-escaped `\/` (%5C%2F).
  // Also with JSON's `\u00c9` escapes read as the letters they stand for: lower-casing the escape
  // itself would not make `\u00c9` (É) the `\u00e9` (é) of the address. Then lower case and composed
  // (NFC) as the address is, so an accented letter written decomposed (`e` and U+0301) is found too.
  const texts = rawBodyTexts(bufferOf(body))
    .flatMap((text) => (JSON_UNICODE_ESCAPE.test(text) ? [text, jsonUnescaped(text)] : [text]))
    .map((text) => text.toLowerCase().normalize('NFC'));
  const forms = rawBodyForms(normalisedEmail(email));
  return texts.some((text) => forms.some((form) => text.includes(form)));
}
