/**
 * The entry point's session: proof that the browser came through a verified EntryPoint call for one
 * shop. It travels in the page's links (`shop`, `expires`, `session`), not in a cookie: the page lives
 * in ShopRenter's admin iframe, where third-party cookies are often blocked. It names its shop, so it
 * can never open another shop's data.
 *
 * session = base64url(HMAC-SHA256(key, "{shop}.{expires}")), key = HMAC-SHA256(ClientSecret, "srhooks
 * app session"): the ClientSecret itself never signs anything ShopRenter could also have signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_SECONDS = 3600;

export interface ShopSession {
  shop: string;
  /** Unix seconds. */
  expires: number;
  session: string;
}

function sessionKey(clientSecret: string): Buffer {
  return createHmac('sha256', clientSecret).update('srhooks app session').digest();
}

function mac(clientSecret: string, shop: string, expires: number): string {
  return createHmac('sha256', sessionKey(clientSecret)).update(`${shop}.${expires}`).digest('base64url');
}

export function createShopSession(shop: string, clientSecret: string, nowMs = Date.now()): ShopSession {
  const expires = Math.floor(nowMs / 1000) + SESSION_SECONDS;
  return { shop, expires, session: mac(clientSecret, shop, expires) };
}

export type ShopSessionCheck =
  /** `session`: the session as given, for links that carry it on (never a fresh hour: see app-mode-routes.ts). */
  | { ok: true; shop: string; session: ShopSession }
  /** `invalid`: missing, malformed or not signed by this app (forged, or for another shop); `expired`: genuine but out of time. */
  | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Checks a session. The signature is checked first: only a session this app signed can be `expired`, so a
 * forged one is never told it merely ran out (nor can its `expires` be moved on to make it pass).
 */
export function checkShopSession(
  query: { shop?: unknown; expires?: unknown; session?: unknown },
  clientSecret: string,
  nowMs = Date.now(),
): ShopSessionCheck {
  const { shop, expires, session } = query;
  if (typeof shop !== 'string' || typeof expires !== 'string' || typeof session !== 'string')
    return { ok: false, reason: 'invalid' };
  if (!/^\d{1,12}$/.test(expires)) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(mac(clientSecret, shop, Number(expires)));
  const given = Buffer.from(session);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'invalid' };
  if (Number(expires) * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, shop, session: { shop, expires: Number(expires), session } };
}

/** The shop the session is for, or null when it is missing, forged, for another shop's data, or expired. */
export function verifyShopSession(
  query: { shop?: unknown; expires?: unknown; session?: unknown },
  clientSecret: string,
  nowMs = Date.now(),
): string | null {
  const checked = checkShopSession(query, clientSecret, nowMs);
  return checked.ok ? checked.shop : null;
}

export function sessionQuery(session: ShopSession): string {
  return new URLSearchParams({
    shop: session.shop,
    expires: String(session.expires),
    session: session.session,
  }).toString();
}
