/**
 * A request URL as it goes into the request log line: only parts known to be harmless are kept.
 *
 * Path. Segments are judged on their decoded, case-folded form (fastify's router decodes `%68ooks`
 * to `hooks`, and `%2F` inside a segment becomes a `/` of the parameter), never on the raw text:
 * - a request that matched a route keeps the route's literal segments, and of its parameters only
 *   values of a known harmless shape (an id such as `dlv_…`, a shop name, an event name, a handler
 *   name); the `token` parameter is always `[token]`;
 * - any other path (404s, the `/hooks/*` catch-all) keeps only the receiver's route words and
 *   ids; under `/hooks` the shop and event positions keep a valid shop or event name, and
 *   everything after them is `[token]`. Any other segment is `[token]` when it is token-shaped
 *   (16 or more base64/base64url characters) and `[redacted]` otherwise.
 *
 * Query. Only the harmless filters are kept (`shop`, `event`, `status`, …), and only when their value
 * has the shape the filter takes (`?from=Kovács Éva` is logged as `from=[redacted]`); every other
 * value, the search `q` above all, is `[redacted]`.
 */
import { isValidShopName, isWebhookEvent } from '@srhooks/contracts';
import { DELIVERY_STATUSES, EVENT_STATUSES } from '../admin/admin-values.js';

const MASKED_TOKEN = '[token]';
const MASKED = '[redacted]';

const ID = /^[a-z]{2,8}_[0-9a-z]{1,64}$/;
const HANDLER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const TOKEN_SHAPED = /^[A-Za-z0-9_+/=-]{16,}$/;

/** Literal path segments of the receiver's own routes (case-folded): logged as they are anywhere. */
const ROUTE_WORDS = new Set([
  'hooks',
  'ui',
  'admin',
  'api',
  'app',
  'assets',
  'deliveries',
  'events',
  'dead-letters',
  'fragments',
  'delivery-row',
  'event',
  'stream',
  'replay',
  'reprocess',
  'release',
  'handlers',
  'enable',
  'shops',
  'recovery',
  'recover',
  'prune',
  'login',
  'logout',
  'healthz',
  'readyz',
  'metrics',
  'favicon.ico',
  'robots.txt',
  'inspector.css',
  'inspector.js',
  'icon.svg',
]);

/** What a route parameter may hold to be logged as is. */
const SAFE_PARAM: Readonly<Record<string, (value: string) => boolean>> = {
  id: (value) => ID.test(value),
  shop: isValidShopName,
  event: isWebhookEvent,
  name: (value) => HANDLER_NAME.test(value),
};

const FLAG = /^(?:true|false|1|0)$/;
const WHOLE_NUMBER = /^\d{1,9}$/;
const TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
/** Every status a list filter may name (deliveries' and events'). */
const STATUS: ReadonlySet<string> = new Set([...DELIVERY_STATUSES, ...EVENT_STATUSES]);

/** Query parameters whose values are logged, each with the shape its value must have to be logged. */
const SAFE_QUERY_VALUE: ReadonlyMap<string, (value: string) => boolean> = new Map<
  string,
  (value: string) => boolean
>([
  ['shop', isValidShopName],
  ['event', isWebhookEvent],
  ['status', (value) => STATUS.has(value)],
  ['eventStatus', (value) => STATUS.has(value)],
  ['source', (value) => value === 'webhook' || value === 'recovery'],
  ['deliveryId', (value) => ID.test(value)],
  ['cursor', (value) => ID.test(value)],
  ['handler', (value) => HANDLER_NAME.test(value)],
  ['from', (value) => TIME.test(value)],
  ['to', (value) => TIME.test(value)],
  ['changedSince', (value) => TIME.test(value)],
  ['limit', (value) => WHOLE_NUMBER.test(value)],
  ['olderThanDays', (value) => WHOLE_NUMBER.test(value)],
  ['reveal', (value) => FLAG.test(value)],
  ['dryRun', (value) => FLAG.test(value)],
  ['includeDeadLetters', (value) => FLAG.test(value)],
  ['notice', (value) => value === 'replayed' || value === 'released' || value === 'reprocessed'],
]);

/** `%xx` decoded (`+` too, in query values); the raw text when it is not valid percent-encoding. */
function decode(raw: string, plusIsSpace = false): string {
  const text = plusIsSpace ? raw.replace(/\+/g, ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function maskFor(parts: readonly string[]): string {
  return parts.some((part) => TOKEN_SHAPED.test(part)) ? MASKED_TOKEN : MASKED;
}

/** The path of a request that matched `route` (a pattern without wildcards), or null when it does not line up. */
function maskRoutedPath(segments: readonly string[], route: string): string | null {
  const pattern = route.split('/');
  if (pattern.length !== segments.length) return null;
  const out: string[] = [];
  for (let i = 0; i < segments.length; i += 1) {
    const raw = segments[i] ?? '';
    const expected = pattern[i] ?? '';
    const value = decode(raw);
    if (!expected.startsWith(':')) {
      if (value.toLowerCase() !== expected.toLowerCase()) return null;
      out.push(raw);
      continue;
    }
    const name = expected.slice(1).replace(/\(.*$/, '');
    const safe = name === 'token' ? undefined : SAFE_PARAM[name];
    if (name === 'token') out.push(MASKED_TOKEN);
    else out.push(safe?.(value) ? raw : maskFor([value]));
  }
  return out.join('/');
}

/** The path of a request no specific route took: route words and ids only (see the header). */
function maskUnroutedPath(segments: readonly string[]): string {
  // Each raw segment with the parts its decoded form splits into (`a%2Fb` → `a`, `b`), numbered
  // as the router would number them after decoding.
  let position = 0;
  const decoded = segments.map((raw) => {
    const parts = decode(raw).split('/');
    const first = position;
    position += parts.length;
    return { raw, parts, first };
  });
  const underHooks = decoded[0]?.raw === '' && decoded[1]?.parts[0]?.toLowerCase() === 'hooks';
  return decoded
    .map(({ raw, parts, first }) => {
      const safe = parts.every((part, offset) => {
        const at = first + offset;
        const folded = part.toLowerCase();
        if (underHooks && at >= 4) return false;
        if (underHooks && at === 2) return isValidShopName(part);
        if (underHooks && at === 3) return isWebhookEvent(part);
        return part === '' || ROUTE_WORDS.has(folded) || ID.test(part);
      });
      if (safe) return raw;
      const pastEvent = underHooks && parts.some((_part, offset) => first + offset >= 4);
      return pastEvent ? MASKED_TOKEN : maskFor(parts);
    })
    .join('/');
}

function maskQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair.length > 0 && !SAFE_QUERY_VALUE.has(decode(pair, true)) ? MASKED : pair;
      const key = pair.slice(0, equals);
      const decodedKey = decode(key, true);
      const safe = SAFE_QUERY_VALUE.get(decodedKey);
      const value = pair.slice(equals + 1);
      if (value === '' || safe?.(decode(value, true))) return pair;
      const loggedKey =
        SAFE_QUERY_VALUE.has(decodedKey) || /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(key) ? key : MASKED;
      return `${loggedKey}=${MASKED}`;
    })
    .join('&');
}

/**
 * `url` as logged. `route` is the pattern of the route that took the request (fastify's
 * `routeOptions.url`), if any.
 */
export function loggedRequestUrl(url: string, route?: string): string {
  const start = url.indexOf('?');
  const path = start === -1 ? url : url.slice(0, start);
  const segments = path.split('/');
  const routed = route !== undefined && !route.includes('*') ? maskRoutedPath(segments, route) : null;
  const maskedPath = routed ?? maskUnroutedPath(segments);
  return start === -1 ? maskedPath : `${maskedPath}?${maskQuery(url.slice(start + 1))}`;
}
