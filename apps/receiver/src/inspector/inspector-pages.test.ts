import { describe, expect, it } from 'vitest';
import { order, orderDelivery, postDelivery, SHOP } from '../admin/test-support/admin-test-receiver.js';
import { maskedText } from './masked-text.js';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

/** What the inspector pages show: lists, filters, delivery and event pages, masking, escaping. */
describe('inspector: pages', () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids, get, postForm, eventOf } = fixture;

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
        const response = await fetch(`${fixture.receiver.baseUrl}${asset}`);
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
      // What is searched (names, e-mail addresses, phone numbers) stays out of the browser's form history,
      // which offers it again in any other site's field named q.
      expect(page.text).toMatch(/<input name="q" type="search" value="gyozo" autocomplete="off">/);
      // A window with seconds stays exact in the field and the links (cut to the minute, it widened).
      const exact = await get('/ui?from=2025-12-01T10:00:30.5Z');
      expect(exact.text).toContain('step="any" value="2025-12-01T10:00:30.500"');
      expect(exact.text).toContain('from=2025-12-01T10%3A00%3A30.500Z');
      expect(exact.text).not.toContain('from=2025-12-01T10%3A00&');
      // A filter the list cannot use: the list page again, the form as sent, the field marked with its
      // problem and tied to it (the accessibility QA: a separate error page lost what was typed).
      const bad = await get('/ui?from=someday');
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('The filters were not applied: fix the fields marked below.');
      expect(bad.text).toMatch(
        /<input name="from" type="datetime-local" step="60" value="" aria-invalid="true" aria-describedby="filter-problem-from"><span class="field-error" id="filter-problem-from">must be an ISO 8601 date/,
      );
      expect(bad.text).toContain('Nothing listed: fix the filters marked above');
      const typed = await get('/ui?shop=Bad+Shop%21&q=kovacs');
      expect(typed.status).toBe(400);
      expect(typed.text).toContain('value="Bad Shop!"');
      expect(typed.text).toContain('value="kovacs"');
      expect(typed.text).toContain('aria-describedby="filter-problem-shop"');
      expect(typed.text).not.toContain('aria-describedby="filter-problem-q"');
    });

    it('says, when a search finds nothing, that it never finds a quarantined delivery and how to list those', async () => {
      const none = await get('/ui?q=Titkos+Tam%C3%A1s');
      expect(none.status).toBe(200);
      expect(none.text).toContain('No deliveries match these filters.');
      expect(none.text).toContain(
        'The search reads decoded events only: a quarantined delivery (its body could not be decoded) never matches it',
      );
      expect(none.text).toContain('href="/ui?status=quarantined"');
      // Without a search the hint would be noise.
      const shop = await get('/ui?shop=nosuchshop');
      expect(shop.text).toContain('No deliveries match these filters.');
      expect(shop.text).not.toContain('The search reads decoded events only');
    });

    it('filters by app-mode events; refuses a malformed cursor and a dead-letter handler naming no handler', async () => {
      const payment = await get('/ui?event=payment_status');
      expect(payment.status).toBe(200);
      expect(payment.text).toContain('<option value="payment_status" selected>');
      for (const path of ['/ui?cursor=dlv_zzzz', '/ui?cursor=dlv_00000000000000000000000000x']) {
        const cursor = await get(path);
        expect(cursor.status).toBe(400);
        expect(cursor.text).toContain(
          'The filters were not applied: cursor: must be this list&#39;s nextCursor',
        );
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
      expect(page.text).toContain(`<input type="hidden" name="_csrf" value="${fixture.browser.csrfToken}">`);
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
      expect(revealed.text).toContain(
        '<pre class="raw-body" tabindex="0" role="region" aria-label="Raw body">',
      );
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

    it('masks the words customers write into the phone field, not only its digits', async () => {
      const phone = '06 30 123 4567 (Kovács Éva titkárnője, este 6 után)';
      const posted = await postDelivery(
        fixture.receiver,
        orderDelivery([order(40, { innerId: '1040', firstname: 'Éva', lastname: 'Kovács', phone })]),
      );
      expect(posted.status).toBe(200);
      const masked = await get(`/ui/deliveries/${posted.body.deliveryId}`);
      for (const value of ['titkárnője', 'este', 'után']) expect(masked.text).not.toContain(value);
      expect(masked.text).toContain(
        `<dt>Phone</dt><dd>${maskedText('** ** *** ***7 (*** *** ***, *** 6 ***)')}</dd>`,
      );
      const revealed = await get(`/ui/deliveries/${posted.body.deliveryId}?reveal=1`);
      expect(revealed.text).toContain(`<dt>Phone</dt><dd>${phone}</dd>`);
    });

    // The e-mail field is the checkout's text too: what follows the address (a name, a phone number) was
    // shown as its "domain" in the masked view.
    it('hides an e-mail field holding more than an address whole, not its words after the @', async () => {
      const email = 'zsofi@freemail.hu (Bárány Zsófia, 06 30 765 4321)';
      const posted = await postDelivery(
        fixture.receiver,
        orderDelivery([order(41, { innerId: '1041', firstname: 'Zsófia', lastname: 'Bárány', email })]),
      );
      expect(posted.status).toBe(200);
      const masked = await get(`/ui/deliveries/${posted.body.deliveryId}`);
      for (const value of ['Bárány', 'Zsófia', '765', '4321', 'freemail'])
        expect(masked.text).not.toContain(value);
      expect(masked.text).toContain(`<dt>E-mail</dt><dd>${maskedText('hidden (49 characters)')}</dd>`);
      const revealed = await get(`/ui/deliveries/${posted.body.deliveryId}?reveal=1`);
      expect(revealed.text).toContain(`<dt>E-mail</dt><dd>${email}</dd>`);
    });

    // An innerId that is no id (a name and a phone number sent as one) is no order number: it stood
    // unmasked as the event's heading.
    it('does not head an event with an innerId that is no id until revealed', async () => {
      const innerId = 'Bárány Zsófia 06301234567';
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(42, { innerId })]));
      expect(posted.status).toBe(200);
      const masked = await get(`/ui/deliveries/${posted.body.deliveryId}`);
      for (const value of ['Bárány', '06301234567']) expect(masked.text).not.toContain(value);
      expect(masked.text).toContain('<h2>order_confirm</h2>');
      const revealed = await get(`/ui/deliveries/${posted.body.deliveryId}?reveal=1`);
      expect(revealed.text).toContain(`<h2>order_confirm ${innerId}</h2>`);
    });

    it("says the shop's own dates are shop-local time (every other time on the page is UTC)", async () => {
      const page = await get(`/ui/deliveries/${ids.kovacs}`);
      expect(page.text).toMatch(
        /Shop status: [^<]* · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(shop-local time\)<\/p>/,
      );
    });

    it("links a duplicate to its order's deliveries (the earlier one included), not only naming an event id", async () => {
      const again = await postDelivery(
        fixture.receiver,
        orderDelivery([order(2, { innerId: '1002', firstname: 'Győző', lastname: 'Nagy' })]),
      );
      expect(again.body.duplicates).toBe(1);
      const page = await get(`/ui/deliveries/${again.body.deliveryId}`);
      expect(page.text).toContain('Duplicate of an earlier delivery of the same order');
      expect(page.text).toContain(`<a href="/ui?shop=${SHOP}&amp;q=%231002">Deliveries of order #1002</a>`);
      const list = await get(`/ui?shop=${SHOP}&q=%231002`);
      expect(list.text).toContain(`data-delivery-id="${ids.nagy}"`);
      expect(list.text).toContain(`data-delivery-id="${again.body.deliveryId}"`);
    });

    it('masks company names and the tax number until revealed', async () => {
      const masked = await get(`/ui/deliveries/${ids.kovacs}`);
      for (const value of ['Bárány', 'Kertész', '68123456']) expect(masked.text).not.toContain(value);
      expect(masked.text).toContain('B*** Z*** e***');
      expect(masked.text).toContain(`Tax number ${maskedText('6***')}`);
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
        const response = await fetch(
          `${fixture.receiver.baseUrl}${fixture.receiver.path(SHOP, 'order_confirm')}`,
          {
            method: 'POST',
            headers: { 'content-type': contentType },
            body,
          },
        );
        expect(response.status).toBe(400);
        const { deliveryId } = (await response.json()) as { deliveryId: string };
        const masked = await get(`/ui/deliveries/${deliveryId}`);
        expect(masked.text).toContain(kept);
        for (const value of hidden) expect(masked.text).not.toContain(value);
        const revealed = await get(`/ui/deliveries/${deliveryId}?reveal=1`);
        for (const value of hidden) expect(revealed.text).toContain(value);
        const reprocess = await postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
          _csrf: fixture.browser.csrfToken,
        });
        expect(reprocess.status).toBe(422);
        const refusal = await reprocess.text();
        for (const value of hidden) expect(refusal).not.toContain(value);
      },
    );

    it.each([
      ['reveal=0', 'The address&#39;s reveal must be', 'query.reveal'],
      ['reveal=2', 'The address&#39;s reveal must be', 'query.reveal'],
      ['reveal=1&reveal=0', 'The address&#39;s reveal must be', 'query.reveal'],
      ['foo=1', 'The address has foo, which this page does not take', 'unknown field foo'],
    ])(
      'answers a delivery page with ?%s 400 naming the field, nothing logged as an error',
      async (query, pageMessage, fragmentMessage) => {
        const logged = fixture.receiver.logLines.length;
        // The page says it in its own terms (address-errors.test.ts); the script's fragments as the API does.
        for (const [path, message] of [
          [`/ui/deliveries/${ids.kovacs}?${query}`, pageMessage],
          [`/ui/fragments/delivery-row/${ids.kovacs}?${query}`, fragmentMessage],
          [`/ui/fragments/event/${await eventOf(ids.kovacs ?? '')}?${query}`, fragmentMessage],
        ] as const) {
          const page = await get(path);
          expect(page.status, path).toBe(400);
          expect(page.text).toContain(message);
        }
        const lines = fixture.receiver.logLines
          .slice(logged)
          .map((line) => JSON.parse(line) as { level: number });
        expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      },
    );

    it('answers a delivery that does not exist (pruned, mistyped) with 404 and no link back to it', async () => {
      const missing = `${ids.kovacs?.slice(0, -4)}0000`;
      const page = await get(`/ui/deliveries/${missing}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('<h1>Not found</h1>');
      expect(page.text).toContain(`No delivery with id &quot;${missing}&quot; exists`);
      // Said for the page, not for the admin API's users.
      expect(page.text).not.toContain('GET /admin/api');
      expect(page.text).toContain('retention may have deleted it, or the link is mistyped');
      // "Back to delivery …" led to this same 404 again.
      expect(page.text).not.toContain(`href="/ui/deliveries/${missing}"`);
      expect(page.text).toContain('<a href="/ui">Back to the deliveries</a>');
    });

    it('answers an inspector address that has no page with a 404 page, not the JSON of the API', async () => {
      // a browser's navigation (it accepts HTML)
      const browserAccept = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      const page = await get('/ui/delivery/dlv_typo', browserAccept);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('<h1>Not found</h1>');
      expect(page.text).toContain('The inspector has no page at /ui/delivery/dlv_typo');
      expect(page.text).toContain('<a href="/ui">Back to the deliveries</a>');
      // without a session it is the login form first, as for any page (nothing said about what exists)
      const anonymous = await fetch(`${fixture.receiver.baseUrl}/ui/delivery/dlv_typo`, {
        redirect: 'manual',
        headers: browserAccept,
      });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fdelivery%2Fdlv_typo');
      // a program given a URL with /ui in it (the CLI's --receiver …/ui): the receiver's JSON 404, with or
      // without a session cookie, never a login redirect nor a page
      for (const headers of [
        { accept: 'application/json' },
        { accept: 'application/json', authorization: 'Bearer x' },
      ] as Record<string, string>[]) {
        const program = await fetch(`${fixture.receiver.baseUrl}/ui/admin/api/events`, {
          redirect: 'manual',
          headers,
        });
        expect(program.status).toBe(404);
        expect(await program.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });
      }
      const withSession = await get('/ui/admin/api/events', { accept: 'application/json' });
      expect(withSession.status).toBe(404);
      expect(withSession.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('shows a quarantined delivery with its decode error and a Re-process button', async () => {
      const response = await fetch(
        `${fixture.receiver.baseUrl}${fixture.receiver.path(SHOP, 'order_confirm')}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"orders": [',
        },
      );
      const { deliveryId } = (await response.json()) as { deliveryId: string };
      const page = await get(`/ui/deliveries/${deliveryId}`);
      expect(page.text).toContain('<span class="badge quarantined">quarantined</span>');
      expect(page.text).toContain('Could not be decoded');
      expect(page.text).toContain(`action="/ui/deliveries/${deliveryId}/reprocess"`);
      const list = await get('/ui?status=quarantined');
      expect(list.text).toContain(`data-delivery-id="${deliveryId}"`);
      const reprocess = await postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
        _csrf: fixture.browser.csrfToken,
      });
      expect(reprocess.status).toBe(422);
      const refused = await reprocess.text();
      expect(refused).toContain('still does not decode');
      // back to the delivery it was about (the page only led to the list of all deliveries)
      expect(refused).toContain('<h1>Not re-processed</h1>');
      expect(refused).toContain(`<a href="/ui/deliveries/${deliveryId}">Back to delivery ${deliveryId}</a>`);
    });
  });
});
