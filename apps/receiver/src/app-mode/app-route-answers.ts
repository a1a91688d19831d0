/**
 * What app mode's install and entry routes answer with (app-mode-routes.ts): where an install redirects the
 * shop owner, the refusal texts they read, and the entry pages' headers (framed by the shop's admin only).
 */
import { isValidShopName } from '@srhooks/contracts';
import type { FastifyRequest } from 'fastify';
import { type AppConfig, forShop } from './app-config.js';

/** `app_url` when it is under the shop's admin (`{adminUrl}/app/`), else undefined. */
export function allowedAppUrl(app: AppConfig, shop: string, appUrl: string | undefined): string | undefined {
  if (!appUrl) return undefined;
  let target: URL;
  let admin: URL;
  try {
    target = new URL(appUrl);
    admin = new URL(forShop(app.adminUrl, shop));
  } catch {
    return undefined;
  }
  const prefix = `${admin.pathname.replace(/\/+$/, '')}/app/`;
  if (target.origin !== admin.origin || target.username || target.password) return undefined;
  if (!target.pathname.startsWith(prefix)) return undefined;
  return target.toString();
}

/**
 * The entry point's refusal for a shop the backend has no installation of. ShopRenter's admin opens only an
 * app installed on the shop, so the merchant reading it sees the app listed there: the backend's record is
 * what is missing (the install call never reached it, or the shop was marked uninstalled). Says so and what
 * to do; "the app is not installed" alone contradicts what the merchant sees.
 */
export function notInstalledMessage(shop: string): string {
  return `This app's service has no installation of this app on ${shop} on record (its install may not have reached the service, or the app was uninstalled). If the app is still listed in your shop admin, install the app again from ShopRenter's app list; if this page comes back after that, contact the app's developer.`;
}

/**
 * The request is a browser's navigation (it asks for HTML): the install call is the shop owner's browser,
 * sent to the RedirectUri by ShopRenter, and reads a refusal as a page. Others (the sandbox, scripts) get JSON.
 */
export function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/** An install call's refusal as the shop owner reads it: what went wrong, and what to do. */
export function installRefusalMessage(claimedShop: unknown, code: string, reason: string): string {
  const shop = typeof claimedShop === 'string' && isValidShopName(claimedShop) ? claimedShop : 'this shop';
  // A reload or the back button after the install went through: nothing went wrong with the install.
  if (code === 'replayed')
    return `The app could not be installed on ${shop} from this page: its install link was already used (a page reload or the browser's back button). If the app was installed, open it from the shop admin; if not, install the app again from the shop admin's app list, and contact the app's developer if this page comes back.`;
  // The reason's advice (open the app again, check this server's clock) is not the owner's: the app is not
  // installed yet, and the clock is the developer's server. The skew is in the log line ('app request refused').
  if (code === 'stale')
    return `The app could not be installed on ${shop}: its install link had expired when it reached the app's service. Please install the app again from the shop admin's app list; if this page comes back, contact the app's developer (the clock of the app's service may be off).`;
  return `The app could not be installed on ${shop}: ${reason}. Please install the app again from the shop admin's app list; if this page comes back, contact the app's developer.`;
}

/**
 * An entry-point call's refusal as the merchant reads it in the shop's admin. A stale call's reason ends in
 * the developer's advice (check this server's clock): the merchant is told to open the app again, then to
 * contact the developer; the skew is in the log line ('app request refused'). Other reasons say it already.
 */
export function entryRefusalMessage(code: string, reason: string): string {
  if (code === 'stale')
    return "This link has expired: open the app again from the shop admin; if this page comes back, contact the app's developer (the clock of the app's service may be off).";
  return reason;
}

/** The app's own page in the shop's admin: where the owner goes when `app_url` is not acceptable. */
export function appAdminPage(app: AppConfig, shop: string): string {
  return `${forShop(app.adminUrl, shop).replace(/\/+$/, '')}/app/${app.appId}`;
}

function frameAncestor(app: AppConfig, shop: string): string {
  return new URL(forShop(app.adminUrl, shop)).origin;
}

export function entryHeaders(app: AppConfig, shop: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      "form-action 'self'",
      `frame-ancestors ${frameAncestor(app, shop)}`,
      "base-uri 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}
