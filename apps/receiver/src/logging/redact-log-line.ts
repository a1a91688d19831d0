/**
 * Last line of defence for logs: every serialised log line passes through here before it is
 * written, so an e-mail address, phone number, URL token, bearer token or configured secret
 * cannot reach the log even when some code logs a value it should not have.
 * Serializers already avoid logging such values; this catches what slips through.
 */
import { replaceEmails, replaceJwts, replacePercentEncodedRuns } from './linear-redactions.js';
import { PREFIXED_PHONE as PHONE } from './phone-number.js';

/** `/hooks/{shop}/{event}/{token}` → the token segment (and any further path segments) masked. */
const HOOK_TOKEN = /(\/hooks\/[^/\s"?#]*\/[^/\s"?#]*\/)[^\s"?#]+/gi;
/** Credential-like query parameters: `?token=…`, `&access_token=…`, `&secret=…`. */
const QUERY_SECRET = /([?&](?:[A-Za-z_]*token|secret|password|key|signature|sig)=)[^&\s"#]*/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const WHSEC = /whsec_[A-Za-z0-9+/=]+/g;
/**
 * String values of credential- or contact-named JSON keys: `"token":"…"`, `"shippingPhone":"…"`, … The key
 * is the whole run of letters after the quote, holding one of the words (found by a lookahead, which is not
 * tried again: written as `[A-Za-z_]*(?:token|…)[A-Za-z_]*` it read the rest of the run once for every word
 * in it, quadratic on a long key). E-mail addresses, JWTs and `%xx` runs: linear-redactions.ts.
 */
const SENSITIVE_KEY_VALUE =
  /("(?=[A-Za-z_]*?(?:token|secret|password|authorization|cookie|apikey|email|phone|mobile|fax))[A-Za-z_]*"\s*:\s*")((?:[^"\\]|\\.)*)"/gi;

/** Masks a URL's `/hooks/…/{token}` segment and credential-like query parameters. */
export function maskHookToken(url: string): string {
  return url.replace(HOOK_TOKEN, '$1[token]').replace(QUERY_SECRET, '$1[redacted]');
}

/** The run decoded and scrubbed when its decoded form holds an e-mail address or phone number; else as is. */
function scrubDecoded(run: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(run.replace(/\+/g, ' '));
  } catch {
    return run;
  }
  const scrubbed = replaceEmails(decoded, '[email]').replace(PHONE, '[phone]');
  if (scrubbed === decoded) return run;
  // what goes back into the JSON line must not need escaping
  return /["\\\u0000-\u001f]/.test(scrubbed) ? '[redacted]' : scrubbed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type LineRedactor = (line: string) => string;

/**
 * Builds the redactor. `secrets` are literal values (delivery secrets, admin token, client
 * secrets) that must never appear; short values (< 8 characters) are ignored to avoid
 * masking ordinary words.
 */
export function createLineRedactor(secrets: readonly string[] = []): LineRedactor {
  const literals = secrets.filter((secret) => secret.length >= 8).map(escapeRegExp);
  const literal = literals.length > 0 ? new RegExp(literals.join('|'), 'g') : null;
  return (line) => {
    let out = line;
    if (literal) out = out.replace(literal, '[secret]');
    if (/\/hooks\//i.test(out)) out = out.replace(HOOK_TOKEN, '$1[token]');
    if (out.includes('=')) out = out.replace(QUERY_SECRET, '$1[redacted]');
    if (out.includes('@')) out = replaceEmails(out, '[email]');
    // A run of URL-encoded text (`kovacs.eva%40gmail.com`, `%2B36+30+123+4567`), up to a delimiter.
    out = replacePercentEncodedRuns(out, scrubDecoded);
    out = out.replace(PHONE, '[phone]').replace(BEARER, '$1 [redacted]').replace(WHSEC, 'whsec_[redacted]');
    out = replaceJwts(out, '[jwt]').replace(SENSITIVE_KEY_VALUE, '$1[redacted]"');
    return out;
  };
}
