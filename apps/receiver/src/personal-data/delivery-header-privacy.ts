/**
 * Which of a delivery's stored request headers may hold a person's data. ShopRenter's deliveries carry
 * only protocol headers (Host, `User-Agent: ShopRenter`, Accept, Content-Length, Expect, Connection and
 * the multipart Content-Type: shown in the documentation's screenshot of a real delivery); any other
 * header — a `Referer`, a proxy's `X-Forwarded-For`, whatever a sender adds — is text from outside,
 * like the raw body. So the inspector shows such a header's value only with "Show personal data", and
 * an erasure keeps only the protocol headers of the deliveries it erases (`store/erase-plan.ts`).
 */

/** Headers whose values are the protocol's own, never a person's. */
const PROTOCOL_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'accept',
  'accept-encoding',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'expect',
  'transfer-encoding',
]);

/** Values documented for a header that otherwise may carry anything (`User-Agent: ShopRenter`). */
const DOCUMENTED_VALUES: Readonly<Record<string, string>> = { 'user-agent': 'ShopRenter' };

/** Whether a stored header's value is shown without "Show personal data" and kept by an erasure. */
export function isProtocolHeader(name: string, value: string): boolean {
  return PROTOCOL_HEADERS.has(name) || DOCUMENTED_VALUES[name] === value;
}

/** The headers an erasure keeps: the protocol's own. */
export function protocolHeadersOnly(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => isProtocolHeader(name, value)));
}
