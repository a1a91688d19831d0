/**
 * The request headers as stored with a delivery: everything the sender sent, minus values that
 * are credentials (ShopRenter sends none, but a proxy or a forger might), each value read as UTF-8
 * when its bytes are UTF-8 (Node reads header bytes as Latin-1: `Rózsa` arrived as `RÃ³zsa`).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Named as a credential: a token, secret, key, password, session, signature, cookie or authorization. */
const CREDENTIAL_NAME =
  /token|secret|(^|[-_])(api)?key($|[-_])|apikey|passw(or)?d|session|signature|cookie|auth/i;

/** Lower-cased names; repeated headers joined with ", "; credentials removed. */
export function headersForStorage(headers: IncomingHttpHeaders): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_NAME.test(name)) continue;
    stored[name] = utf8Text(Array.isArray(value) ? value.join(', ') : value);
  }
  return stored;
}

/** A header value whose Latin-1 characters are the bytes of UTF-8 text, as that text; else as it is. */
function utf8Text(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  const text = Buffer.from(value, 'latin1').toString('utf8');
  return text.includes('\uFFFD') ? value : text;
}
