/**
 * What a shop owner's browser gets from the install and entry routes while the store is unavailable —
 * an outage, or a receiver started without its store (start-up/spool-only-receiver.ts): both need the
 * shop records, so nothing is done, and a 503 page (not a JSON body, nor an internal error) says so and
 * asks to try again in a minute (`Retry-After: 60`). The entry page is shown in the shop admin's iframe,
 * so the admin origin of the shop the request names may frame it (static text, nothing to click), as
 * the entry route's refusals may.
 */
import { isValidShopName } from '@srhooks/contracts';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { type AppConfig, forShop } from './app-config.js';
import { entryErrorPage } from './entry-page.js';

export type AppPageKind = 'install' | 'entry';

const MESSAGES: Record<AppPageKind, string> = {
  install:
    "The app's service is briefly unavailable, so the installation could not be completed just now. Please try again in a minute: install the app again from the shop admin.",
  entry:
    "The app's service is briefly unavailable. Please try again in a minute: reload this page, or open the app again from the shop admin.",
};

/** The origin of the shop's admin (the entry page's framer), or null when it cannot be made. */
export function adminOrigin(app: AppConfig, shop: string): string | null {
  try {
    return new URL(forShop(app.adminUrl, shop)).origin;
  } catch {
    return null;
  }
}

/** Answers 503 with the page; `claimedShop` is the request's `shopname` (proven or not). */
export function sendStoreUnavailablePage(
  reply: FastifyReply,
  app: AppConfig,
  kind: AppPageKind,
  claimedShop: unknown,
  log: FastifyBaseLogger,
): FastifyReply {
  const shop = typeof claimedShop === 'string' && isValidShopName(claimedShop) ? claimedShop : null;
  log.warn(
    { appRequest: { kind }, ...(shop ? { shop } : {}), code: 'store_unavailable' },
    `app ${kind} call answered 503: the store is unavailable; the shop owner is asked to try again in a minute`,
  );
  const framer = kind === 'entry' && shop ? adminOrigin(app, shop) : null;
  return reply
    .code(503)
    .header('retry-after', '60')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .header('content-security-policy', `default-src 'none'; frame-ancestors ${framer ?? "'none'"}`)
    .send(entryErrorPage('Please try again in a minute', MESSAGES[kind]));
}
