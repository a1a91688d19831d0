/**
 * The inspector tests' shared receiver (inspector-*.test.ts): started in `beforeAll` with three stored
 * order deliveries (`ids.kovacs` with a free-text comment full of personal data and company/tax fields,
 * `ids.nagy`, `ids.xss` whose names and product carry markup) and a logged-in browser session; closed in
 * `afterAll`. Call `inspectorFixture()` at the top of a `describe`.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../../test-support/test-receiver.js';

export const XSS_NAME = '<script>alert(1)</script>';
export const XSS_LASTNAME = '"><img src=x onerror=alert(2)>';
export const XSS_PRODUCT = '<iframe src="javascript:alert(3)"></iframe>';

/** A comment as customers write them: phones, an e-mail, a name and an address in free text. */
export const FREE_TEXT_COMMENT =
  'Hívjon: +36 30 999 8888 vagy 06-30-777-6666, e-mail: kovacs.eva@gmail.com — Kovács Éva, 1111 Budapest Fő utca 5.';

export interface InspectorFixture {
  /** The running receiver (set once `beforeAll` ran). */
  readonly receiver: TestReceiver;
  /** The logged-in browser session. */
  readonly browser: BrowserSession;
  /** Ids of the deliveries `beforeAll` stored. */
  readonly ids: Record<string, string>;
  /** GETs a page with the session cookie (redirects not followed). */
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; headers: Headers }>;
  /** POSTs a form: its fields, or its body as written (`a=1&a=2`, which a record cannot hold). */
  postForm(
    path: string,
    fields: Record<string, string> | string,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** The first event of a delivery. */
  eventOf(deliveryId: string): Promise<string>;
}

export function inspectorFixture(): InspectorFixture {
  let receiver: TestReceiver | undefined;
  let browser: BrowserSession | undefined;
  const ids: Record<string, string> = {};

  const fixture: InspectorFixture = {
    get receiver(): TestReceiver {
      if (receiver === undefined) throw new Error('the inspector fixture is used before its beforeAll ran');
      return receiver;
    },
    get browser(): BrowserSession {
      if (browser === undefined) throw new Error('the inspector fixture is used before its beforeAll ran');
      return browser;
    },
    ids,
    async get(path, headers = {}) {
      const response = await fetch(`${fixture.receiver.baseUrl}${path}`, {
        headers: { cookie: fixture.browser.cookie, ...headers },
        redirect: 'manual',
      });
      return { status: response.status, text: await response.text(), headers: response.headers };
    },
    async postForm(path, fields, headers = {}) {
      return fetch(`${fixture.receiver.baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: fixture.browser.cookie,
          origin: fixture.receiver.baseUrl,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: typeof fields === 'string' ? fields : new URLSearchParams(fields),
      });
    },
    async eventOf(deliveryId) {
      const delivery = await fixture.receiver.app.store.getDelivery(deliveryId);
      return delivery?.events[0]?.id ?? '';
    },
  };

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const posted = [
      [
        'kovacs',
        order(1, {
          innerId: '1001',
          firstname: 'Éva',
          lastname: 'Kovács',
          comment: FREE_TEXT_COMMENT,
          shippingCompany: 'Bárány Zsófia e.v.',
          paymentCompany: 'Kertész Ödön EV',
          paymentTaxnumber: '68123456-1-42',
          totalGross: 12500,
          currency: 'HUF',
        }),
      ],
      ['nagy', order(2, { innerId: '1002', firstname: 'Győző', lastname: 'Nagy' })],
      [
        'xss',
        order(3, {
          innerId: '1003',
          firstname: XSS_NAME,
          lastname: XSS_LASTNAME,
          shippingCity: '<b>Debrecen</b> \u202Eten.pohs',
          orderProducts: {
            orderProduct: [{ ...order(3).orderProducts?.orderProduct[0], name: XSS_PRODUCT }],
          },
        }),
      ],
    ] as const;
    for (const [key, item] of posted) {
      const result = await postDelivery(receiver, orderDelivery([item]));
      expect(result.status).toBe(200);
      ids[key] = result.body.deliveryId;
    }
    browser = await loginAsBrowser(receiver);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  return fixture;
}
