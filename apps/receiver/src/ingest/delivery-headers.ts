/**
 * The request headers as stored with a delivery: everything the sender sent, minus values that
 * are credentials (ShopRenter sends none, but a proxy or a forger might).
 */
import type { IncomingHttpHeaders } from 'node:http';

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-srhooks-admin-token',
]);

/** Lower-cased names; repeated headers joined with ", "; credentials removed. */
export function headersForStorage(headers: IncomingHttpHeaders): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    stored[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return stored;
}
