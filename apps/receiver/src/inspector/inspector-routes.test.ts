import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type BrowserSession,
  bearer,
  loginAsBrowser,
  logoutAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  registeredRoutes,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const XSS_NAME = '<script>alert(1)</script>';
const XSS_LASTNAME = '"><img src=x onerror=alert(2)>';
const XSS_PRODUCT = '<iframe src="javascript:alert(3)"></iframe>';

/** A comment as customers write them: phones, an e-mail, a name and an address in free text. */
const FREE_TEXT_COMMENT =
  'Hívjon: +36 30 999 8888 vagy 06-30-777-6666, e-mail: kovacs.eva@gmail.com — Kovács Éva, 1111 Budapest Fő utca 5.';

describe('inspector', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  const ids: Record<string, string> = {};

  async function get(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const response = await fetch(`${receiver.baseUrl}${path}`, {
      headers: { cookie: browser.cookie, ...headers },
      redirect: 'manual',
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  /** POSTs a form: its fields, or its body as written (`a=1&a=2`, which a record cannot hold). */
  async function postForm(
    path: string,
    fields: Record<string, string> | string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${receiver.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: browser.cookie,
        origin: receiver.baseUrl,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: typeof fields === 'string' ? fields : new URLSearchParams(fields),
    });
  }

  async function eventOf(deliveryId: string): Promise<string> {
    const delivery = await receiver.app.store.getDelivery(deliveryId);
    return delivery?.events[0]?.id ?? '';
  }

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

  describe('authentication', () => {
    const PUBLIC = [
      'GET /ui/assets/inspector.css',
      'GET /ui/assets/inspector.js',
      'GET /ui/assets/icon.svg',
      'GET /ui/login',
      'POST /ui/login',
    ];

    function protectedRoutes(): Array<{ method: string; url: string; page: boolean }> {
      return registeredRoutes(receiver.app)
        .filter((route) => route.url.startsWith('/ui') && route.method !== 'HEAD')
        .filter((route) => !PUBLIC.includes(`${route.method} ${route.url}`))
        .map((route) => ({
          method: route.method,
          url: route.url.replace(
            ':id',
            route.url.includes('/event') ? 'evt_00000000000000000000000000' : (ids.kovacs ?? ''),
          ),
          page:
            route.method === 'GET' &&
            !route.url.includes('/fragments/') &&
            !route.url.endsWith('/stream') &&
            !route.url.endsWith('/session'),
        }));
    }

    it('has public routes only for the login form and the assets', () => {
      const all = registeredRoutes(receiver.app)
        .filter((route) => route.url.startsWith('/ui') && route.method !== 'HEAD')
        .map((route) => `${route.method} ${route.url}`);
      expect(all).toEqual(
        expect.arrayContaining([
          ...PUBLIC,
          'GET /ui',
          'GET /ui/deliveries/:id',
          'POST /ui/events/:id/replay',
          'GET /ui/events/stream',
          'GET /ui/session',
        ]),
      );
      expect(protectedRoutes().length).toBeGreaterThanOrEqual(11);
    });

    for (const [label, headers] of [
      ['no session', {}],
      [
        'a forged session cookie',
        { cookie: 'srhooks_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.zzzzzz.c2lnbmF0dXJl' },
      ],
      ['a wrong bearer token', bearer('wrong-token-wrong-token')],
    ] as const) {
      it(`with ${label}: pages redirect to the login form, everything else answers 401`, async () => {
        for (const route of protectedRoutes()) {
          const response = await fetch(`${receiver.baseUrl}${route.url}`, {
            method: route.method,
            redirect: 'manual',
            headers: {
              ...headers,
              origin: receiver.baseUrl,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: route.method === 'POST' ? '_csrf=x' : null,
          });
          const text = await response.text();
          const name = `${route.method} ${route.url}`;
          if (route.page) {
            expect({ name, status: response.status }).toEqual({ name, status: 303 });
            expect(response.headers.get('location')).toBe(`/ui/login?next=${encodeURIComponent(route.url)}`);
          } else {
            expect({ name, status: response.status }).toEqual({ name, status: 401 });
          }
          expect(text).not.toContain('Kovács');
        }
      });
    }

    it('accepts the bearer token on pages too (for scripted checks)', async () => {
      const response = await fetch(`${receiver.baseUrl}/ui`, { headers: bearer() });
      expect(response.status).toBe(200);
    });
  });

  describe('login and logout', () => {
    it('redirects to the login form and back to the page asked for', async () => {
      const anonymous = await fetch(`${receiver.baseUrl}/ui?q=1001`, { redirect: 'manual' });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toBe('/ui/login?next=%2Fui%3Fq%3D1001');
      const form = await fetch(`${receiver.baseUrl}/ui/login?next=%2Fui%3Fq%3D1001`);
      const html = await form.text();
      expect(html).toContain('<form method="post" action="/ui/login">');
      expect(html).toContain('name="next" value="/ui?q=1001"');
      expect(html).not.toContain('csrf-token');
    });

    it('sets an HttpOnly, SameSite=Strict, Path=/ session cookie that is not the token', async () => {
      expect(browser.setCookie).toMatch(
        /^srhooks_admin=v1\.[A-Za-z0-9_-]{24}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
      );
      expect(browser.setCookie).not.toContain(ADMIN_TOKEN);
      expect(browser.setCookie).not.toContain('Secure');
    });

    it('marks the cookie Secure when the request came over https (trusted proxy)', async () => {
      const proxied = await startAdminReceiver({ trustProxy: true });
      try {
        const response = await fetch(`${proxied.baseUrl}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'hooks.example.com',
            origin: 'https://hooks.example.com',
          },
          body: new URLSearchParams({ token: ADMIN_TOKEN }),
        });
        expect(response.status).toBe(303);
        expect(response.headers.get('set-cookie')).toMatch(/; Secure$/);
      } finally {
        await proxied.close();
      }
    });

    const SELF = 'same-origin';
    it.each<[string, string | null, Record<string, string>, number, string]>([
      ['a wrong token', SELF, { token: 'not-the-token-0123456789' }, 401, 'Wrong admin token.'],
      ['an empty form', SELF, {}, 401, 'Wrong admin token.'],
      ['a cross-site Origin (login CSRF)', 'https://evil.example', { token: ADMIN_TOKEN }, 403, 'own pages'],
      ['neither Origin nor Referer', null, { token: ADMIN_TOKEN }, 403, 'own pages'],
    ])('refuses a login with %s', async (_label, origin, fields, status, message) => {
      const response = await fetch(`${receiver.baseUrl}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(origin === null ? {} : { origin: origin === SELF ? receiver.baseUrl : origin }),
        },
        body: new URLSearchParams(fields),
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await response.text()).toContain(message);
    });

    it.each([
      ['https://evil.example/ui', '/ui'],
      ['//evil.example/ui', '/ui'],
      ['/ui//evil.example', '/ui'],
      ['/admin/api/deliveries', '/ui'],
      ['/ui/deliveries/x?reveal=1', '/ui/deliveries/x?reveal=1'],
    ])('after login goes to next=%j → %s', async (next, location) => {
      const response = await fetch(`${receiver.baseUrl}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: receiver.baseUrl },
        body: new URLSearchParams({ token: ADMIN_TOKEN, next }),
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(location);
    });

    it('logs out: the cookie is deleted and the old session no longer works', async () => {
      const session = await loginAsBrowser(receiver);
      expect((await fetch(`${receiver.baseUrl}/ui`, { headers: { cookie: session.cookie } })).status).toBe(
        200,
      );
      const check = () => fetch(`${receiver.baseUrl}/ui/session`, { headers: { cookie: session.cookie } });
      expect((await check()).status).toBe(204);
      const refused = await logoutAsBrowser(receiver, session, false);
      expect(refused.status).toBe(403);
      const logout = await logoutAsBrowser(receiver, session);
      expect(logout.status).toBe(303);
      expect(logout.headers.get('location')).toBe('/ui/login');
      expect(logout.headers.get('set-cookie')).toMatch(
        /^srhooks_admin=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/,
      );
      const after = await fetch(`${receiver.baseUrl}/ui`, {
        headers: { cookie: session.cookie },
        redirect: 'manual',
      });
      expect(after.status).toBe(303);
      // the open page's check: 401, not a redirect to the login page
      expect((await check()).status).toBe(401);
      const api = await fetch(`${receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: session.cookie },
      });
      expect(api.status).toBe(401);
    });
  });

  describe('pages', () => {
    it('serves the list with a strict CSP, local assets only and no caching', async () => {
      const page = await get('/ui');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.text).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.text.match(/<script/g)).toEqual(['<script']);
      expect(page.text).toContain('<script src="/ui/assets/inspector.js" defer></script>');
      expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
      expect(page.text).not.toMatch(/ style=| on[a-z]+=/);
      for (const asset of ['/ui/assets/inspector.css', '/ui/assets/inspector.js']) {
        const response = await fetch(`${receiver.baseUrl}${asset}`);
        expect(response.status).toBe(200);
        expect(await response.text()).not.toMatch(/https?:\/\/|@import|url\(/);
      }
    });

    it('lists deliveries with masked customers, order numbers, totals and handler status', async () => {
      const page = await get('/ui');
      expect(page.text).toContain('K*** É***');
      expect(page.text).toContain('N*** G***');
      expect(page.text).not.toContain('Kovács');
      expect(page.text).not.toContain('Győző');
      expect(page.text).toContain('1001');
      expect(page.text).toContain('12,500 HUF');
      expect(page.text).toContain('<span class="badge pending">pending</span>');
      expect(page.text).toContain(`data-delivery-id="${ids.kovacs}"`);
      const revealed = await get('/ui?reveal=1');
      expect(revealed.text).toContain('Kovács Éva');
      expect(revealed.text).toContain('Nagy Győző');
    });

    it('filters the list by text search and refuses bad filters naming the field', async () => {
      const page = await get('/ui?q=gyozo&reveal=1');
      expect(page.text).toContain(`data-delivery-id="${ids.nagy}"`);
      expect(page.text).not.toContain(`data-delivery-id="${ids.kovacs}"`);
      expect(page.text).toContain('value="gyozo"');
      // A window with seconds stays exact in the field and the links (cut to the minute, it widened).
      const exact = await get('/ui?from=2025-12-01T10:00:30.5Z');
      expect(exact.text).toContain('step="any" value="2025-12-01T10:00:30.500"');
      expect(exact.text).toContain('from=2025-12-01T10%3A00%3A30.500Z');
      expect(exact.text).not.toContain('from=2025-12-01T10%3A00&');
      const bad = await get('/ui?from=someday');
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('query.from: must be an ISO 8601 date');
    });

    it('filters by app-mode events; refuses a malformed cursor and a dead-letter handler naming no handler', async () => {
      const payment = await get('/ui?event=payment_status');
      expect(payment.status).toBe(200);
      expect(payment.text).toContain('<option value="payment_status" selected>');
      for (const path of ['/ui?cursor=dlv_zzzz', '/ui?cursor=dlv_00000000000000000000000000x']) {
        const cursor = await get(path);
        expect(cursor.status).toBe(400);
        expect(cursor.text).toContain('query.cursor: must be this list&#39;s nextCursor');
      }
      const deadCursor = await get('/ui/dead-letters?cursor=dead_0000000000zzzz');
      expect(deadCursor.status).toBe(400);
      const handler = await get('/ui/dead-letters?handler=nosuch');
      expect(handler.status).toBe(400);
      expect(handler.text).toContain('handler: &quot;nosuch&quot; is not configured and has no dead letters');
      expect(handler.text).toContain('configured handlers: log');
      expect((await get('/ui/dead-letters?handler=log')).status).toBe(200);
    });

    it('escapes hostile data everywhere (a customer named <script> renders as text)', async () => {
      for (const path of [
        '/ui?reveal=1',
        '/ui',
        `/ui/deliveries/${ids.xss}?reveal=1`,
        `/ui/deliveries/${ids.xss}`,
      ]) {
        const page = await get(path);
        expect(page.status).toBe(200);
        expect(page.text).not.toContain('<script>alert');
        expect(page.text).not.toContain('<img src=x');
        expect(page.text).not.toContain('<iframe');
        expect(page.text).not.toContain('<b>Debrecen');
        expect(page.text.match(/<script/g)).toEqual(['<script']);
        // A bidirectional override in the data is shown as its code point, never applied.
        expect(page.text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
      }
      const revealed = await get(`/ui/deliveries/${ids.xss}?reveal=1`);
      expect(revealed.text).toContain(
        '&quot;&gt;&lt;img src=x onerror=alert(2)&gt; &lt;script&gt;alert(1)&lt;/script&gt;',
      );
      expect(revealed.text).toContain('&lt;iframe src=&quot;javascript:alert(3)&quot;&gt;&lt;/iframe&gt;');
      expect(revealed.text).toContain('&lt;b&gt;Debrecen&lt;/b&gt; &lt;U+202E&gt;ten.pohs');
      const list = await get('/ui');
      expect(list.text).toContain('&quot;*** s*** o*** &lt;***');
    });

    it('shows a delivery: the order card, handlers, replay buttons with the CSRF token, headers; raw body on reveal', async () => {
      const page = await get(`/ui/deliveries/${ids.kovacs}`);
      expect(page.status).toBe(200);
      const product = order(1).orderProducts?.orderProduct[0];
      expect(page.text).toContain('Order #1001');
      expect(page.text).toContain('K*** É***');
      expect(page.text).not.toContain('Kovács');
      expect(page.text).toContain(String(product?.name));
      expect(page.text).toContain('<strong>12,500 HUF</strong>');
      expect(page.text).toContain('<h3>Shipping</h3>');
      expect(page.text).toContain('<h3>Billing</h3>');
      expect(page.text).toContain('<strong>log</strong>');
      expect(page.text).toContain(
        `<form class="inline" method="post" action="/ui/events/${await eventOf(ids.kovacs ?? '')}/replay"`,
      );
      expect(page.text).toContain(`<input type="hidden" name="_csrf" value="${browser.csrfToken}">`);
      expect(page.text).toContain('<th class="mono">content-type</th>');
      expect(page.text).not.toContain('name="data"');
      // the free-text comment is masked whole: phones, e-mail, name, street in it stay hidden
      expect(page.text).toContain('<dt>Comment</dt>');
      for (const part of ['Hívjon', '999 8888', '777-6666', 'kovacs.eva', 'Fő utca']) {
        expect(page.text).not.toContain(part);
      }
      const revealed = await get(`/ui/deliveries/${ids.kovacs}?reveal=1`);
      expect(revealed.text).toContain('Kovács Éva');
      expect(revealed.text).toContain('Hívjon: +36 30 999 8888');
      expect(revealed.text).toContain('<pre class="raw-body">');
      expect(revealed.text).toContain('name=&quot;data&quot;');
    });

    it('serves rows and event sections as fragments for live updates', async () => {
      const row = await get(`/ui/fragments/delivery-row/${ids.nagy}`);
      expect(row.status).toBe(200);
      expect(row.text).toMatch(new RegExp(`^<tr data-delivery-id="${ids.nagy}"`));
      expect(row.text).toContain('N*** G***');
      const eventId = await eventOf(ids.nagy ?? '');
      const section = await get(`/ui/fragments/event/${eventId}?reveal=1`);
      expect(section.text).toMatch(
        new RegExp(`^<section class="panel event" id="event-${eventId}" data-event-id="${eventId}">`),
      );
      expect(section.text).toContain('Nagy Győző');
      expect((await get('/ui/fragments/event/evt_00000000000000000000000000')).status).toBe(404);
    });

    it('masks company names and the tax number until revealed', async () => {
      const masked = await get(`/ui/deliveries/${ids.kovacs}`);
      for (const value of ['Bárány', 'Kertész', '68123456']) expect(masked.text).not.toContain(value);
      expect(masked.text).toContain('B*** Z*** e***');
      expect(masked.text).toContain('Tax number 6***');
      const revealed = await get(`/ui/deliveries/${ids.kovacs}?reveal=1`);
      for (const value of ['Bárány Zsófia e.v.', 'Kertész Ödön EV', '68123456-1-42'])
        expect(revealed.text).toContain(value);
    });

    it.each([
      [
        'a field of the wrong type',
        '{"orders":{"order":[{"innerId":"9001","totalGross":"Bárány Zsófia, Rózsa utca 12, +36705551234"}]}}',
        'Field orders.order[0].totalGross is invalid: expected a number (got [hidden])',
        ['Bárány', 'Rózsa', '36705551234'],
      ],
      [
        'a number given for a text',
        '{"orders":{"order":[{"innerId":"9002","orderProducts":36705551234}]}}',
        'orders.order[0].orderProducts',
        ['36705551234'],
      ],
      [
        'broken JSON',
        '{"orders":{"order":[{"innerId":"9003","phone":"+36 70 555 1234" "x"}]}}',
        'Invalid JSON at position',
        ['555 1234', '+36 70'],
      ],
      [
        "broken JSON whose unquoted text is personal data (in the JSON parser's own snippet)",
        '{"orders":{"order":[{"innerId":"9004","comment": Kovacs Eva hivjon 06301234567}]}}',
        'Invalid JSON at position',
        ['Kovacs', 'Eva', '06301234567'],
      ],
      [
        'XML with an unknown entity named by the sender',
        '<orders><order><innerId>9005</innerId><comment>&kovacseva;</comment></order></orders>',
        'unknown entity',
        ['kovacseva'],
        'application/xml',
      ],
    ])(
      'masks the sender values in the decode error of %s until revealed',
      async (_name, body, kept, hidden, contentType = 'application/json') => {
        const response = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'order_confirm')}`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        expect(response.status).toBe(400);
        const { deliveryId } = (await response.json()) as { deliveryId: string };
        const masked = await get(`/ui/deliveries/${deliveryId}`);
        expect(masked.text).toContain(kept);
        for (const value of hidden) expect(masked.text).not.toContain(value);
        const revealed = await get(`/ui/deliveries/${deliveryId}?reveal=1`);
        for (const value of hidden) expect(revealed.text).toContain(value);
        const reprocess = await postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
          _csrf: browser.csrfToken,
        });
        expect(reprocess.status).toBe(422);
        const refusal = await reprocess.text();
        for (const value of hidden) expect(refusal).not.toContain(value);
      },
    );

    it.each([
      ['reveal=0', 'query.reveal'],
      ['reveal=2', 'query.reveal'],
      ['reveal=1&reveal=0', 'query.reveal'],
      ['foo=1', 'unknown field foo'],
    ])(
      'answers a delivery page with ?%s 400 naming the field, nothing logged as an error',
      async (query, message) => {
        const logged = receiver.logLines.length;
        for (const path of [
          `/ui/deliveries/${ids.kovacs}?${query}`,
          `/ui/fragments/delivery-row/${ids.kovacs}?${query}`,
          `/ui/fragments/event/${await eventOf(ids.kovacs ?? '')}?${query}`,
        ]) {
          const page = await get(path);
          expect(page.status, path).toBe(400);
          expect(page.text).toContain(message);
        }
        const lines = receiver.logLines.slice(logged).map((line) => JSON.parse(line) as { level: number });
        expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      },
    );

    it('shows a quarantined delivery with its decode error and a Re-process button', async () => {
      const response = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'order_confirm')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"orders": [',
      });
      const { deliveryId } = (await response.json()) as { deliveryId: string };
      const page = await get(`/ui/deliveries/${deliveryId}`);
      expect(page.text).toContain('<span class="badge quarantined">quarantined</span>');
      expect(page.text).toContain('Could not be decoded');
      expect(page.text).toContain(`action="/ui/deliveries/${deliveryId}/reprocess"`);
      const list = await get('/ui?status=quarantined');
      expect(list.text).toContain(`data-delivery-id="${deliveryId}"`);
      const reprocess = await postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
        _csrf: browser.csrfToken,
      });
      expect(reprocess.status).toBe(422);
      const refused = await reprocess.text();
      expect(refused).toContain('still does not decode');
      // back to the delivery it was about (the page only led to the list of all deliveries)
      expect(refused).toContain('<h1>Not re-processed</h1>');
      expect(refused).toContain(`<a href="/ui/deliveries/${deliveryId}">Back to delivery ${deliveryId}</a>`);
    });
  });

  describe('replay buttons', () => {
    it('refuses a replay POST without the CSRF token, with a wrong one, or from another origin', async () => {
      const eventId = await eventOf(ids.kovacs ?? '');
      const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
        [{}, {}, 'CSRF token is missing'],
        [{ _csrf: 'forged' }, {}, 'does not belong to this session'],
        [{ _csrf: browser.csrfToken }, { origin: 'https://evil.example' }, 'own pages'],
        [{ _csrf: browser.csrfToken }, { origin: 'null' }, 'own pages'],
      ];
      for (const [fields, headers, message] of cases) {
        const response = await postForm(`/ui/events/${eventId}/replay`, fields, headers);
        expect(response.status).toBe(403);
        expect(await response.text()).toContain(message);
      }
      const jobs = (await receiver.app.store.getEvent(eventId))?.jobs ?? [];
      expect(jobs.map((job) => job.attempts)).toEqual([0]);
    });

    it('refuses a form with a field given twice instead of taking its last value', async () => {
      const eventId = await eventOf(ids.kovacs ?? '');
      const before = (await receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status);
      const response = await postForm(
        `/ui/events/${eventId}/replay`,
        `_csrf=${encodeURIComponent(browser.csrfToken)}&handler=other&handler=log`,
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('body.handler: must be given once');
      expect((await receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status)).toEqual(before);
    });

    it('replays with the token: redirects back to the delivery, and the new attempt shows there', async () => {
      const eventId = await eventOf(ids.nagy ?? '');
      const [first] = await receiver.app.store.claimJobs({
        workerId: 'w',
        limit: 50,
        leaseMs: 60_000,
        handlers: ['log'],
      });
      // Settle every claimed job; the one of this event succeeds.
      const claimed = [
        first,
        ...(await receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 })),
      ];
      for (const job of claimed)
        if (job) await receiver.app.store.completeJob(job.id, { attempt: job.attempt });

      const response = await postForm(`/ui/events/${eventId}/replay`, {
        _csrf: browser.csrfToken,
        handler: 'log',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(
        `/ui/deliveries/${ids.nagy}?notice=replayed#event-${eventId}`,
      );
      const [again] = await receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 });
      expect(again?.eventId).toBe(eventId);
      await receiver.app.store.failJob(again?.id ?? '', {
        attempt: again?.attempt ?? 0,
        error: 'ERP said <no>',
        deadLetter: true,
      });

      const page = await get(`/ui/deliveries/${ids.nagy}?notice=replayed`);
      expect(page.text).toContain('Replay queued');
      expect(page.text).toContain('<li data-attempt="1">');
      expect(page.text).toContain('<li data-attempt="2">');
      // The handler's error text is hidden until revealed (handler-error-privacy.test.ts), then escaped.
      expect(page.text).not.toContain('ERP said');
      expect((await get(`/ui/deliveries/${ids.nagy}?reveal=1`)).text).toContain('ERP said &lt;no&gt;');
      expect(page.text).toContain('<span class="badge dead">dead</span>');

      const dead = await get('/ui/dead-letters?reveal=1');
      expect(dead.text).toContain('ERP said &lt;no&gt;');
      const replayAll = await postForm('/ui/dead-letters/replay', { _csrf: browser.csrfToken });
      expect(replayAll.status).toBe(303);
      expect((await receiver.app.store.getEvent(eventId))?.jobs[0]?.status).toBe('pending');
    });
  });

  describe('live stream', () => {
    function openStream(
      baseUrl: string,
      cookie: string,
    ): Promise<{
      response: IncomingMessage;
      next: (pattern: RegExp) => Promise<string>;
      ended: Promise<void>;
    }> {
      return new Promise((resolve, reject) => {
        const request = httpRequest(
          `${baseUrl}/ui/events/stream`,
          { headers: { cookie, accept: 'text/event-stream' } },
          (response) => {
            let buffer = '';
            const waiters: Array<{ pattern: RegExp; resolve: (text: string) => void }> = [];
            const ended = new Promise<void>((done) => response.on('end', done));
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              buffer += chunk;
              for (const waiter of [...waiters]) {
                const match = waiter.pattern.exec(buffer);
                if (match) {
                  waiters.splice(waiters.indexOf(waiter), 1);
                  waiter.resolve(match[0]);
                }
              }
            });
            resolve({
              response,
              ended,
              next: (pattern) =>
                new Promise((found) => {
                  const match = pattern.exec(buffer);
                  if (match) found(match[0]);
                  else waiters.push({ pattern, resolve: found });
                }),
            });
          },
        );
        request.on('error', reject);
        request.end();
      });
    }

    it('ends the streams of a session when it logs out (and keeps the others open)', async () => {
      const own = await startAdminReceiver();
      try {
        const leaving = await loginAsBrowser(own);
        const staying = await loginAsBrowser(own);
        const stream = await openStream(own.baseUrl, leaving.cookie);
        const other = await openStream(own.baseUrl, staying.cookie);
        await stream.next(/retry: \d+/);
        await other.next(/retry: \d+/);

        expect((await logoutAsBrowser(own, leaving)).status).toBe(303);
        const ended = await Promise.race([
          stream.ended.then(() => 'ended'),
          new Promise((resolve) => setTimeout(() => resolve('still open 5 s after the logout'), 5000)),
        ]);
        expect(ended).toBe('ended');

        // The other session's stream still gets changes.
        const posted = await postDelivery(own, orderDelivery([order(22, { innerId: '2222' })]));
        await other.next(new RegExp(`"deliveryId":"${posted.body.deliveryId}"`));
        expect(other.response.complete).toBe(false);
        other.response.destroy();
      } finally {
        await own.close().catch(() => {});
      }
    });

    it('pushes a new delivery to an open page, and ends the stream when the receiver shuts down', async () => {
      const own = await startAdminReceiver();
      try {
        const session = await loginAsBrowser(own);
        const stream = await openStream(own.baseUrl, session.cookie);
        expect(stream.response.statusCode).toBe(200);
        expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(stream.response.headers['content-security-policy']).toContain("default-src 'none'");
        await stream.next(/retry: \d+/);

        const posted = await postDelivery(own, orderDelivery([order(21, { innerId: '2121' })]));
        const message = await stream.next(
          new RegExp(
            `event: change\\ndata: (\\{[^\\n]*"deliveryId":"${posted.body.deliveryId}"[^\\n]*\\})\\n\\n`,
          ),
        );
        const data = JSON.parse(message.split('data: ')[1] ?? '') as Record<string, unknown>;
        expect(data).toEqual({
          kind: 'delivery',
          deliveryId: posted.body.deliveryId,
          shop: SHOP,
          event: 'order_confirm',
          status: 'stored',
        });
        expect(message).not.toContain('Kovács');

        await own.close();
        await stream.ended;
      } finally {
        await own.close().catch(() => {});
      }
    });
  });
});
