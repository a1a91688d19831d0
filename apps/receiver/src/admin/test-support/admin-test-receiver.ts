/**
 * A real receiver (HTTP on 127.0.0.1:0, tmp SQLite) with the admin area, an admin token and a `log`
 * handler for shop `demo`, plus helpers to post real-format deliveries and to log in as a browser.
 */
import { encodeDelivery, type OrderItem, sampleOrder } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import type { ReceiverConfigInput } from '../../config/config-schema.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const SHOP = 'demo';

export interface AdminReceiverOptions {
  /** Run the job worker (default false: the test plays the worker through the store). */
  worker?: boolean;
  /** Lines the `log` handler writes (when the worker runs). */
  logWrite?: (line: string) => void;
}

export async function startAdminReceiver(
  overrides: Partial<ReceiverConfigInput> = {},
  options: AdminReceiverOptions = {},
): Promise<TestReceiver> {
  return startTestReceiver(
    {
      adminToken: ADMIN_TOKEN,
      // The refusal tests send many wrong credentials from one address; the throttle has its own tests.
      adminMaxFailures: 0,
      shops: [{ name: SHOP, handlers: ['log'] }],
      handlers: { log: { type: 'log' } },
      ...overrides,
    },
    {
      processing: options.worker
        ? { pollIntervalMs: 200, logWrite: options.logWrite ?? (() => {}) }
        : { enabled: false },
    },
  );
}

export function bearer(token = ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A real-format (multipart, PHP-style JSON) order_confirm delivery of these orders. */
export function orderDelivery(orders: OrderItem[]): { contentType: string; body: Buffer } {
  const { contentType, body } = encodeDelivery(
    'order_confirm',
    { orders: { order: orders } },
    { format: 'json' },
  );
  return { contentType, body };
}

/** sampleOrder(seed) with some fields replaced. */
export function order(seed: number, fields: Partial<OrderItem> = {}): OrderItem {
  return { ...sampleOrder(seed), ...fields };
}

export interface PostedDelivery {
  status: number;
  body: { ok: boolean; deliveryId: string; events: number; duplicates: number };
}

export async function postDelivery(
  receiver: TestReceiver,
  delivery: { contentType: string; body: Buffer },
  shop = SHOP,
): Promise<PostedDelivery> {
  const response = await fetch(`${receiver.baseUrl}${receiver.path(shop, 'order_confirm')}`, {
    method: 'POST',
    headers: { 'content-type': delivery.contentType },
    body: new Uint8Array(delivery.body),
  });
  return { status: response.status, body: (await response.json()) as PostedDelivery['body'] };
}

export interface BrowserSession {
  /** `srhooks_admin=…` for a Cookie header. */
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

/** An inspector page's HTML as a logged-in browser gets it (`cookie`: its session); anything but 200 throws. */
export async function pageText(baseUrl: string, cookie: string, path: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
  if (response.status !== 200)
    throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return response.text();
}

/**
 * Logs in through the form like a browser (same-origin Origin header) and reads the CSRF token from a page.
 * `adminToken`: the receiver's (this module's ADMIN_TOKEN unless it was started with another, as app
 * mode's fixture is).
 */
export async function loginAsBrowser(
  receiver: Pick<TestReceiver, 'baseUrl'>,
  adminToken: string = ADMIN_TOKEN,
): Promise<BrowserSession> {
  const response = await fetch(`${receiver.baseUrl}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: receiver.baseUrl },
    body: new URLSearchParams({ token: adminToken, next: '/ui' }),
  });
  if (response.status !== 303) throw new Error(`login answered ${response.status}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const page = await fetch(`${receiver.baseUrl}/ui`, { headers: { cookie } });
  const csrfToken = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1];
  if (!csrfToken) throw new Error('no CSRF token on /ui');
  return { cookie, csrfToken, setCookie };
}

/** Posts a form to an inspector route like a browser (same origin, the session's cookie). */
export function postFormAsBrowser(
  receiver: TestReceiver,
  session: BrowserSession,
  path: string,
  body: URLSearchParams | string,
): Promise<Response> {
  return fetch(`${receiver.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: session.cookie,
      origin: receiver.baseUrl,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
}

/** Logs out through the form like a browser (same origin; with the session's CSRF token unless `withCsrf` is false). */
export function logoutAsBrowser(
  receiver: TestReceiver,
  session: BrowserSession,
  withCsrf = true,
): Promise<Response> {
  return postFormAsBrowser(
    receiver,
    session,
    '/ui/logout',
    withCsrf ? new URLSearchParams({ _csrf: session.csrfToken }) : '',
  );
}

/**
 * Stores a real-format order delivery straight into the store as quarantined, as an earlier decoder
 * that failed on it would have (for re-process tests); returns its delivery id.
 */
export async function quarantineOrderDelivery(receiver: TestReceiver, item: OrderItem): Promise<string> {
  const sent = orderDelivery([item]);
  const { deliveryId } = await receiver.app.store.quarantine(
    {
      shop: SHOP,
      event: 'order_confirm',
      receivedAt: new Date(),
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': sent.contentType },
      contentType: sent.contentType,
      rawBody: sent.body,
    },
    { code: 'decoder_bug', message: 'an old decoder could not read this' },
  );
  return deliveryId;
}

/** Every route fastify registered, as `METHOD /full/path` pairs (parsed from printRoutes). */
export function registeredRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1]?.length ?? 0) / 4;
    const url = (stack[depth - 1] ?? '') + (match[2] ?? '');
    stack[depth] = url;
    stack.length = depth + 1;
    if (match[3]) for (const method of match[3].split(', ')) routes.push({ method, url });
  }
  return routes;
}
