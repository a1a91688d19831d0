import { createHmac, timingSafeEqual } from 'node:crypto';
import { ContractsError, InvalidEventError, InvalidShopNameError } from './errors.js';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from './events.js';

/**
 * ShopRenter deliveries are unsigned (FACTS.md §4), so the URL registered for each (shop, event)
 * carries the proof: `/hooks/{shop}/{event}/{token}` with
 * token = base64url(HMAC-SHA256(secret, "{shop}:{event}")) — 256 bits, 43 characters.
 * Several secrets may be accepted at once (rotation); the first signs new URLs.
 */

const SHOP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Shortest secret accepted for signing: 16 characters (≥ 128 bits when random). */
export const MIN_SECRET_LENGTH = 16;

export interface DeliveryTarget {
  shop: string;
  event: WebhookEvent;
}

export interface ParsedDeliveryPath {
  shop: string;
  event: string;
  token: string;
}

/** ShopRenter shop names: lowercase letters, digits and hyphens (no leading/trailing hyphen). */
export function isValidShopName(name: unknown): name is string {
  return typeof name === 'string' && SHOP_NAME.test(name);
}

/**
 * The one definition of a usable receiver secret: a string of at least `MIN_SECRET_LENGTH`
 * characters. Signing refuses others (`weak_secret`), verification never matches them, and the
 * receiver's config and the client's delivery handlers refuse them at start-up / first call.
 */
export function isUsableSecret(secret: unknown): boolean {
  return typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH;
}

function assertSecret(secret: string): void {
  if (!isUsableSecret(secret)) {
    throw new ContractsError(
      'weak_secret',
      `receiver secret is too short: use at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
}

export function deliveryToken(target: DeliveryTarget, secret: string): string {
  if (!isValidShopName(target.shop)) throw new InvalidShopNameError(target.shop);
  if (!isWebhookEvent(target.event)) throw new InvalidEventError(String(target.event), WEBHOOK_EVENTS);
  assertSecret(secret);
  return createHmac('sha256', secret).update(`${target.shop}:${target.event}`).digest('base64url');
}

export function signDeliveryPath(target: DeliveryTarget, secret: string): string {
  return `/hooks/${target.shop}/${target.event}/${deliveryToken(target, secret)}`;
}

/**
 * The one rule for a receiver's public base URL (the receiver's `publicUrl` / `SRHOOKS_PUBLIC_URL`, the
 * CLI's sync file, `listen --public-url`, `url --base`, the client's `buildDeliveryUrl`): what is wrong
 * with it, or null. An http(s) URL, optionally with a path prefix; no user name or password, no query string and no fragment.
 * Delivery URLs are `{base}/hooks/{shop}/{event}/{token}`: a query would have to follow the token and
 * ShopRenter documents nothing about query strings on webhook URLs (kept, dropped or re-encoded?), and
 * a fragment is never sent to a server. The text completes "<setting> …" and says what to do.
 */
export function publicBaseUrlProblem(url: string): string | null {
  const example =
    'such as https://hooks.example.com (a path prefix is allowed: https://hooks.example.com/base)';
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return `must be an http(s) URL ${example}`;
  const parsed = new URL(url);
  if (url.includes('?')) {
    return `has a query string (${parsed.search || '?'}): delivery URLs are <publicUrl>/hooks/<shop>/<event>/<token>, and ShopRenter documents nothing about query strings on webhook URLs; remove the query (use a path prefix instead, e.g. ${parsed.origin}${parsed.pathname.replace(/\/+$/, '')})`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // never quoted: the password is a secret
    return `has a user name or password before its host: they would be written into every delivery URL registered with the shop, and ShopRenter documents nothing about credentials in webhook URLs; remove them (e.g. ${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}): a delivery URL's signed token is what authenticates it`;
  }
  if (url.includes('#')) {
    return `has a fragment (${parsed.hash || '#'}), which is never sent to the receiver; remove it (e.g. ${parsed.origin}${parsed.pathname.replace(/\/+$/, '')})`;
  }
  return null;
}

/**
 * Full delivery URL under a receiver's public base URL (which may itself have a path). A base that
 * {@link publicBaseUrlProblem} refuses (a query string, a fragment) throws `invalid_public_url`
 * instead of being dropped silently.
 */
export function signDeliveryUrl(baseUrl: string, target: DeliveryTarget, secret: string): string {
  const token = deliveryToken(target, secret);
  return `${shopDeliveryUrlPrefix(baseUrl, target.shop)}${target.event}/${token}`;
}

/**
 * `{base}/hooks/{shop}/`, normalised as {@link signDeliveryUrl} writes it: every delivery URL signed for
 * this shop under this base starts with it. The one test of "this subscription delivers to this
 * receiver" (the receiver's reconcile and recovery, the CLI's `webhooks sync --prune`). Throws as
 * `signDeliveryUrl` does for a base {@link publicBaseUrlProblem} refuses or a malformed shop name.
 */
export function shopDeliveryUrlPrefix(baseUrl: string, shop: string): string {
  if (!isValidShopName(shop)) throw new InvalidShopNameError(shop);
  const problem = publicBaseUrlProblem(baseUrl);
  if (problem !== null) throw new ContractsError('invalid_public_url', `public URL "${baseUrl}" ${problem}`);
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/hooks/${shop}/`;
  return base.toString();
}

/** Splits `…/hooks/{shop}/{event}/{token}` (query string ignored); `null` when it is not that shape. */
export function parseDeliveryPath(path: string): ParsedDeliveryPath | null {
  const match = /\/hooks\/([^/?#]+)\/([^/?#]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(path);
  if (!match) return null;
  return { shop: match[1] as string, event: match[2] as string, token: match[3] as string };
}

export type VerifyResult = { ok: true; secretIndex: number } | { ok: false };

/**
 * Checks a delivery path against every accepted secret with constant-time comparison. Never
 * throws: a malformed shop, an unknown event or a token of the wrong shape is simply `{ok:false}`,
 * so callers can answer every failure the same way.
 */
export function verifyDeliveryPath(path: ParsedDeliveryPath, secrets: readonly string[]): VerifyResult {
  if (!isValidShopName(path.shop) || !isWebhookEvent(path.event) || !TOKEN.test(path.token))
    return { ok: false };
  const given = Buffer.from(path.token);
  let found = -1;
  secrets.forEach((secret, index) => {
    if (!isUsableSecret(secret)) return;
    const expected = Buffer.from(
      createHmac('sha256', secret).update(`${path.shop}:${path.event}`).digest('base64url'),
    );
    if (timingSafeEqual(expected, given) && found === -1) found = index;
  });
  return found === -1 ? { ok: false } : { ok: true, secretIndex: found };
}
