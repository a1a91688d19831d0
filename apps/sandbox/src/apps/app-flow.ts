import { signAppRequest, signPaymentNotification } from '@srhooks/contracts';
import {
  APP_CALL_TIMEOUT_MS,
  newAppCallCode,
  PAYMENT_NOTIFICATION,
  UNINSTALL_REMOVES_APP_SUBSCRIPTIONS,
} from '../assumptions.js';
import { SandboxApiError } from '../errors.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { AppRegistration } from './app-registry.js';

/**
 * What ShopRenter does for a platform app (FACTS.md §7, §8), as sandbox actions:
 *
 * - install: record the install, GET RedirectUri?shopname&code&timestamp&hmac&app_url, check
 *   that the app redirects to `app_url` (as a browser would follow it), then GET the EntryPoint
 *   with fresh signed parameters plus the app's own parameters from the redirect — what the
 *   admin's iframe loads;
 * - uninstall: end the install (its tokens stop working), drop the subscriptions the app's
 *   client created on that shop, then GET UninstallUri signed;
 * - payment notification: POST the body to the notification URL with `?hmac=`, with faults.
 *
 * Every call to the app is answered with what happened (status, redirect, CSP, a body excerpt),
 * never thrown, so a test or the CLI can show it.
 */

export interface AppCallReport {
  url: string;
  status: number | null;
  location?: string;
  contentType?: string;
  contentSecurityPolicy?: string;
  bodyExcerpt?: string;
  error?: string;
}

export interface InstallReport {
  appId: string;
  shop: string;
  installId: string;
  appUrl: string;
  install: AppCallReport;
  /** Whether the app sent the browser back to `app_url` (on the shop's admin). */
  redirectedToAppUrl: boolean;
  entryPoint?: AppCallReport;
}

export interface UninstallReport {
  appId: string;
  shop: string;
  removedSubscriptions: string[];
  uninstall: AppCallReport;
}

const EXCERPT = 2000;

/** Fresh signed parameters as ShopRenter sends them (the demo apps' message order). */
export function signedAppParams(
  app: AppRegistration,
  shop: string,
  nowMs = Date.now(),
): Record<string, string> {
  const params = {
    shopname: shop,
    code: newAppCallCode(),
    timestamp: String(Math.floor(nowMs / 1000)),
  };
  return { ...params, hmac: signAppRequest(params, app.clientSecret) };
}

export function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * `{origin}/{shop}/admin/app/{appId}` unless the sandbox was given another admin URL template
 * (`{origin}`, `{port}` and `{shop}` are filled in).
 */
export function appAdminUrl(state: SandboxState, origin: string, shop: string, appId: string): string {
  const template = state.options.appAdminUrl ?? '{origin}/{shop}/admin';
  const port = new URL(origin).port;
  const base = template.replaceAll('{origin}', origin).replaceAll('{port}', port).replaceAll('{shop}', shop);
  return `${base.replace(/\/+$/, '')}/app/${appId}`;
}

/** One call the shop owner's browser (or ShopRenter) makes to the app, waiting at most [A47]'s limit. */
async function call(
  url: string,
  init: RequestInit = {},
  timeoutMs = APP_CALL_TIMEOUT_MS,
): Promise<AppCallReport> {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...init,
    });
    const text = await response.text();
    const report: AppCallReport = { url, status: response.status, bodyExcerpt: text.slice(0, EXCERPT) };
    const location = response.headers.get('location');
    if (location) report.location = new URL(location, url).toString();
    const type = response.headers.get('content-type');
    if (type) report.contentType = type;
    const csp = response.headers.get('content-security-policy');
    if (csp) report.contentSecurityPolicy = csp;
    return report;
  } catch (error) {
    return { url, status: null, error: (error as Error).message };
  }
}

export async function installApp(
  state: SandboxState,
  appId: string,
  shop: string,
  origin: string,
): Promise<InstallReport> {
  state.shop(shop);
  const app = state.apps.app(appId);
  const record = state.apps.install(appId, shop);
  const appUrl = appAdminUrl(state, origin, shop, appId);
  const install = await call(withQuery(app.redirectUri, { ...signedAppParams(app, shop), app_url: appUrl }));
  const report: InstallReport = {
    appId,
    shop,
    installId: record.installId,
    appUrl,
    install,
    redirectedToAppUrl: false,
  };
  if (
    install.location === undefined ||
    !(install.status !== null && install.status >= 300 && install.status < 400)
  ) {
    return report;
  }
  const target = new URL(install.location);
  const expected = new URL(appUrl);
  if (target.origin !== expected.origin || target.pathname !== expected.pathname) return report;
  report.redirectedToAppUrl = true;
  report.entryPoint = await call(entryPointUrl(app, shop, Object.fromEntries(target.searchParams)));
  return report;
}

/** The EntryPoint URL the admin's iframe loads: signed parameters plus the app's own. */
export function entryPointUrl(
  app: AppRegistration,
  shop: string,
  appParams: Record<string, string> = {},
): string {
  const own = Object.fromEntries(
    Object.entries(appParams).filter(([key]) => !['shopname', 'code', 'timestamp', 'hmac'].includes(key)),
  );
  return withQuery(app.entryPoint, { ...signedAppParams(app, shop), ...own });
}

export async function uninstallApp(
  state: SandboxState,
  appId: string,
  shop: string,
): Promise<UninstallReport> {
  const runtime = state.shop(shop);
  const app = state.apps.app(appId);
  if (!state.apps.uninstall(appId, shop)) {
    throw new SandboxApiError(
      409,
      undefined,
      'not_installed',
      `App ${appId} is not installed on shop '${shop}': nothing to uninstall. Install it first (srhooks app install --shop ${shop}, or POST /_sandbox/apps/${appId}/installs/${shop}).`,
    );
  }
  const owners = runtime.data.webhookOwners;
  // [A29] assumed: the app's subscriptions on the shop go with it.
  const removed = UNINSTALL_REMOVES_APP_SUBSCRIPTIONS
    ? runtime.data.webhooks.filter((w) => owners[w.id] === app.clientId).map((w) => w.id)
    : [];
  runtime.data.webhooks = runtime.data.webhooks.filter((w) => !removed.includes(w.id));
  for (const id of removed) delete owners[id];
  state.changed();
  const uninstall = await call(withQuery(app.uninstallUri, signedAppParams(app, shop)));
  return { appId, shop, removedSubscriptions: removed, uninstall };
}

export type PaymentFault = 'bad_hmac' | 'stale' | 'replay' | 'undecodable';

export interface PaymentNotificationInput {
  /** Default: the app's notificationUrl. */
  url?: string;
  /** The body's fields; `time` is filled in (now) when absent. Default a one-time charge `active` (A33). */
  notification?: Record<string, unknown>;
  fault?: PaymentFault;
}

export interface PaymentNotificationReport {
  url: string;
  rawBody: string;
  hmac: string;
  fault?: PaymentFault;
  response: AppCallReport;
}

/**
 * Sends a Payment API notification (headers, `stale` age and default status: assumptions.ts [A33]).
 * Faults: `bad_hmac` (signed with another key), `stale` (time an hour ago, correctly signed), `replay` (the app's previous notification again, byte for byte),
 * `undecodable` (a correctly signed body that is not a notification).
 */
export async function sendPaymentNotification(
  state: SandboxState,
  appId: string,
  input: PaymentNotificationInput,
): Promise<PaymentNotificationReport> {
  const app = state.apps.app(appId);
  const url = input.url ?? app.notificationUrl;
  if (!url) {
    throw new SandboxApiError(
      400,
      40003,
      'required_field_missing',
      `Give 'url', or register app ${appId} with a notificationUrl.`,
    );
  }
  const previous = state.apps.lastNotification.get(appId);
  let rawBody: string;
  let hmac: string;
  if (input.fault === 'replay') {
    if (!previous)
      throw new SandboxApiError(
        409,
        undefined,
        'nothing_to_replay',
        `App ${appId} has had no notification yet.`,
      );
    ({ rawBody, hmac } = previous);
  } else {
    const now = Math.floor(Date.now() / 1000);
    // A made-up charge id is above every id this app's notifications named, given or made up: one the user
    // named (the README's `{"id":1,…}`) must not come back as another status of that charge.
    const last = state.apps.lastPaymentId.get(appId) ?? 0;
    const fields = input.notification ?? { id: last + 1, status: PAYMENT_NOTIFICATION.defaultStatus };
    const named = Number(fields.id);
    if (Number.isSafeInteger(named) && named > last) state.apps.lastPaymentId.set(appId, named);
    rawBody =
      input.fault === 'undecodable'
        ? '{"unexpected":true}'
        : PAYMENT_NOTIFICATION.encode({
            ...fields,
            time: input.fault === 'stale' ? now - PAYMENT_NOTIFICATION.staleAgeSeconds : (fields.time ?? now),
          });
    hmac = signPaymentNotification(
      rawBody,
      input.fault === 'bad_hmac' ? `${app.webhookSecretKey}x` : app.webhookSecretKey,
    );
    state.apps.lastNotification.set(appId, { rawBody, hmac });
  }
  const response = await call(withQuery(url, { hmac }), {
    method: 'POST',
    headers: { ...PAYMENT_NOTIFICATION.headers },
    body: rawBody,
  });
  return { url, rawBody, hmac, ...(input.fault ? { fault: input.fault } : {}), response };
}
