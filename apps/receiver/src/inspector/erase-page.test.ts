/**
 * "Erase personal data…" from the inspector (erase-routes.ts, erase-page.ts) over real HTTP (SQLite in
 * a temp dir): the dry-run page (counts, the address masked until revealed, the scope switch), the CSRF
 * token and the reason checked, an erasure by order blocked by an unfinished job then taken with
 * "Also cancel unfinished jobs", an erasure by e-mail address reaching the customer's other order and
 * subscription, the refusals (erased already, unknown event), and no log line holding the address.
 */
import { encodeDelivery, sampleSubscriber } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const EMAIL = 'Kata.Torlendo@Example.HU';
const MASKED = 'K***@Example.HU';
const OTHER_EMAIL = 'marad.vevo@example.hu';

describe('inspector: erasing an event’s personal data', () => {
  let receiver: TestReceiver;
  let session: BrowserSession;
  /** Delivery and event ids: `kata` (order 5101) and `kataAgain` (5102) share EMAIL, `other` (5103) does not, `subscriber` has EMAIL. */
  const deliveries: Record<string, string> = {};
  const events: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const orders = {
      kata: order(1, { innerId: '5101', email: EMAIL, firstname: 'Kata', lastname: 'Törlendő' }),
      kataAgain: order(2, { innerId: '5102', email: EMAIL, firstname: 'Kata', lastname: 'Törlendő' }),
      other: order(3, { innerId: '5103', email: OTHER_EMAIL, firstname: 'Vevő', lastname: 'Marad' }),
    };
    for (const [key, item] of Object.entries(orders)) {
      const posted = await postDelivery(receiver, orderDelivery([item]));
      expect(posted.status).toBe(200);
      deliveries[key] = posted.body.deliveryId;
    }
    const newsletter = encodeDelivery(
      'newsletter_subscribe',
      { newsletter: { subscriber: [{ ...sampleSubscriber(4), email: EMAIL }] } },
      { format: 'json' },
    );
    const subscribed = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'newsletter_subscribe')}`, {
      method: 'POST',
      headers: { 'content-type': newsletter.contentType },
      body: new Uint8Array(newsletter.body),
    });
    expect(subscribed.status).toBe(200);
    deliveries.subscriber = ((await subscribed.json()) as { deliveryId: string }).deliveryId;
    for (const [key, id] of Object.entries(deliveries)) {
      events[key] = (await receiver.app.store.getDelivery(id))?.events[0]?.id ?? '';
    }
    session = await loginAsBrowser(receiver);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${receiver.baseUrl}${path}`, {
      headers: { cookie: session.cookie },
      redirect: 'manual',
    });
    return { status: response.status, text: await response.text() };
  };
  const post = async (path: string, fields: Record<string, string>) => {
    const response = await fetch(`${receiver.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: session.cookie,
        origin: receiver.baseUrl,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields),
    });
    return {
      status: response.status,
      text: await response.text(),
      location: response.headers.get('location'),
    };
  };
  const erased = async (key: string) => (await receiver.app.store.getEvent(events[key] ?? ''))?.erasure;
  /** Plays the worker: every pending job of these events succeeds. */
  const finishJobs = async (...keys: string[]) => {
    const wanted = new Set(keys.map((key) => events[key]));
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 });
    for (const job of claimed) {
      if (wanted.has(job.eventId)) await receiver.app.store.completeJob(job.id, { attempt: job.attempt });
      else await receiver.app.store.releaseJob(job.id, { attempt: job.attempt, reason: 'test' });
    }
  };

  it('offers "Erase personal data…" on the event', async () => {
    const page = await get(`/ui/deliveries/${deliveries.kata}`);
    expect(page.text).toContain(
      `<a class="button secondary" href="/ui/events/${events.kata}/erase">Erase personal data…</a>`,
    );
    const revealed = await get(`/ui/deliveries/${deliveries.kata}?reveal=1`);
    expect(revealed.text).toContain(
      `href="/ui/events/${events.kata}/erase?reveal=1">Erase personal data…</a>`,
    );
  });

  it('shows the dry run of this order by default: counts, the unfinished job, the address masked, the form', async () => {
    const page = await get(`/ui/events/${events.kata}/erase`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Erase personal data · srhooks inspector</title>');
    expect(page.text).toContain('<h1>Erase personal data</h1>');
    expect(page.text).toMatch(/aria-current="page">This order<\/a>/);
    expect(page.text).toContain('order #5101 of demo — every status change of that order');
    expect(page.text).toContain('Would erase the personal data of <strong>1 event and 1 delivery</strong>');
    expect(page.text).toContain('data-group="event demo order_confirm pending"');
    expect(page.text).toContain('data-group="delivery demo order_confirm stored"');
    expect(page.text).toContain(events.kata);
    expect(page.text).not.toContain(events.kataAgain);
    // The job that has not run yet blocks it: named, and the checkbox explained.
    const job = (await receiver.app.store.getEvent(events.kata ?? ''))?.jobs[0];
    expect(page.text).toContain('data-unfinished="1"');
    expect(page.text).toMatch(new RegExp(`${job?.id}</span>: handler <strong>log</strong>`));
    expect(page.text).toContain('check “Also cancel unfinished jobs” below, which cancels them');
    // The other scope, its address masked; the address is nowhere on the page.
    expect(page.text).toContain(
      `href="/ui/events/${events.kata}/erase?scope=email">Everything with this customer&#39;s e-mail address</a>`,
    );
    expect(page.text).toContain(MASKED);
    expect(page.text.toLowerCase()).not.toContain(EMAIL.toLowerCase());
    expect(page.text).not.toContain('Törlendő');
    // The form: CSRF token, scope, reason, checkbox; no field for the address.
    expect(page.text).toContain(`<form method="post" action="/ui/events/${events.kata}/erase">`);
    expect(page.text).toContain(`<input type="hidden" name="_csrf" value="${session.csrfToken}">`);
    expect(page.text).toContain('<input type="hidden" name="scope" value="order">');
    expect(page.text).toMatch(/<input id="erase-reason" name="reason" value=""/);
    expect(page.text).toContain(
      '<input type="checkbox" name="includeUnfinished" value="1"> Also cancel unfinished jobs',
    );
    expect(page.text).not.toContain('name="email"');
    expect(page.text).toContain('<button type="submit">Erase</button>');
  });

  it('switches to the e-mail scope (every order and subscription with the address), revealed only with reveal=1', async () => {
    const page = await get(`/ui/events/${events.kata}/erase?scope=email`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/aria-current="page">Everything with this customer&#39;s e-mail address<\/a>/);
    expect(page.text).toContain(
      'Would erase the personal data of <strong>3 events and 3 deliveries</strong>',
    );
    expect(page.text).toContain('data-group="event demo newsletter_subscribe pending"');
    for (const key of ['kata', 'kataAgain', 'subscriber']) expect(page.text).toContain(events[key]);
    expect(page.text).not.toContain(events.other);
    expect(page.text).toContain('data-unfinished="3"');
    expect(page.text).toContain(MASKED);
    expect(page.text.toLowerCase()).not.toContain(EMAIL.toLowerCase());
    expect(page.text).toContain('<input type="hidden" name="scope" value="email">');

    const revealed = await get(`/ui/events/${events.kata}/erase?scope=email&reveal=1`);
    expect(revealed.text).toContain(`<span class="mono">${EMAIL}</span>`);
    expect(revealed.text).toContain('<input type="hidden" name="reveal" value="1">');
    expect(revealed.text).toContain(
      `href="/ui/events/${events.kata}/erase?scope=email">Hide personal data</a>`,
    );

    // A subscription offers the e-mail scope, by default, and its subscriber; no order.
    const subscriber = await get(`/ui/events/${events.subscriber}/erase`);
    expect(subscriber.text).toContain('<input type="hidden" name="scope" value="email">');
    expect(subscriber.text).toContain(
      `href="/ui/events/${events.subscriber}/erase?scope=subscriber">This newsletter subscriber</a>: subscriber ${sampleSubscriber(4).id} of demo`,
    );
    expect(subscriber.text).not.toContain('This order');
    const noOrder = await get(`/ui/events/${events.subscriber}/erase?scope=order`);
    expect(noOrder.status).toBe(400);
    expect(noOrder.text).toContain(
      'cannot be erased by its order (it is no order event): choose email or subscriber',
    );
    const noSubscriber = await get(`/ui/events/${events.kata}/erase?scope=subscriber`);
    expect(noSubscriber.status).toBe(400);
    expect(noSubscriber.text).toContain(
      'cannot be erased by its newsletter subscriber (it is no newsletter event)',
    );
    expect((await get(`/ui/events/${events.kata}/erase?scope=everything`)).status).toBe(400);
  });

  it('refuses without the CSRF token, and a reason that is blank or personal data, keeping what was typed', async () => {
    const path = `/ui/events/${events.kata}/erase`;
    const noToken = await post(path, { scope: 'order', reason: 'GDPR-2026-101', includeUnfinished: '1' });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('Not erased');
    expect(noToken.text).toContain('CSRF token is missing');

    const blank = await post(path, { _csrf: session.csrfToken, scope: 'order', reason: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('Not erased: the reason must not be blank: a reference of the request');
    expect(blank.text).toMatch(
      /name="reason" value=" {2}"[^>]*aria-describedby="erase-error erase-reason-help" aria-invalid="true"/,
    );

    const personal = await post(path, {
      _csrf: session.csrfToken,
      scope: 'order',
      reason: `ticket of ${OTHER_EMAIL}`,
      includeUnfinished: '1',
    });
    expect(personal.status).toBe(400);
    expect(personal.text).toContain('Not erased: the reason must not hold personal data');
    expect(personal.text).toContain(`value="ticket of ${OTHER_EMAIL}"`);
    expect(personal.text).toContain('name="includeUnfinished" value="1" checked>');
    expect(personal.text).toContain(
      'Would erase the personal data of <strong>1 event and 1 delivery</strong>',
    );
    expect(await erased('kata')).toBeUndefined();
  });

  it('erases by order: refused while a job is unfinished (named), taken with "Also cancel unfinished jobs"', async () => {
    const path = `/ui/events/${events.kata}/erase`;
    const job = (await receiver.app.store.getEvent(events.kata ?? ''))?.jobs[0];
    const blocked = await post(path, { _csrf: session.csrfToken, scope: 'order', reason: 'GDPR-2026-101' });
    expect(blocked.status).toBe(409);
    expect(blocked.text).toContain(
      `Not erased: 1 unfinished job (pending or running) would send this data on: ${job?.id} (log). Nothing was erased.`,
    );
    expect(blocked.text).toContain('value="GDPR-2026-101"');
    expect(await erased('kata')).toBeUndefined();

    const done = await post(path, {
      _csrf: session.csrfToken,
      scope: 'order',
      reason: 'GDPR-2026-101',
      includeUnfinished: '1',
    });
    expect(done.status).toBe(303);
    // A one-time token of this process, not `notice=erased` (which a link made up shows nothing for, below).
    expect(done.location).toMatch(
      new RegExp(`^/ui/deliveries/${deliveries.kata}\\?notice=[A-Za-z0-9_-]{24}#event-${events.kata}$`),
    );
    expect(await erased('kata')).toMatchObject({ reason: 'GDPR-2026-101' });
    // Only this order: the customer's other order and subscription keep their data.
    expect(await erased('kataAgain')).toBeUndefined();
    expect(await erased('subscriber')).toBeUndefined();

    const after = await get((done.location ?? '').replace(/#.*$/, ''));
    expect(after.text).toContain(
      '<p class="notice ok" role="status">Personal data erased (reason GDPR-2026-101).',
    );
    // Shown once; a made-up `?notice=erased` on the erased delivery (it showed the notice) shows none.
    expect((await get((done.location ?? '').replace(/#.*$/, ''))).text).not.toContain(
      'Personal data erased (reason',
    );
    const crafted = await get(`/ui/deliveries/${deliveries.kata}?notice=erased`);
    expect(crafted.status).toBe(200);
    expect(crafted.text).not.toContain('Personal data erased (reason');
    expect(after.text).toMatch(
      /Personal data erased at <time[^>]*>[^<]+<\/time> \(GDPR-2026-101\) on request\./,
    );
    expect(after.text).not.toContain('Erase personal data…');
    expect((await receiver.app.store.getEvent(events.kata ?? ''))?.jobs[0]?.status).toBe('dead');
  });

  it('says an erased event is erased already (409), and 404s an unknown event', async () => {
    const page = await get(`/ui/events/${events.kata}/erase`);
    expect(page.status).toBe(409);
    expect(page.text).toContain('<h1>Already erased</h1>');
    expect(page.text).toMatch(/was erased already, at [^(]+ \(GDPR-2026-101\): nothing is left to erase/);
    expect(page.text).toContain(
      `<a href="/ui/deliveries/${deliveries.kata}#event-${events.kata}">Back to event ${events.kata}</a>`,
    );
    expect(page.text).not.toContain('name="reason"');
    const again = await post(`/ui/events/${events.kata}/erase`, {
      _csrf: session.csrfToken,
      scope: 'order',
      reason: 'GDPR-2026-102',
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain('nothing is left to erase');
    expect((await erased('kata'))?.reason).toBe('GDPR-2026-101');

    const unknown = 'evt_00000000000000000000000000';
    const missing = await get(`/ui/events/${unknown}/erase`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain(`No event with id &quot;${unknown}&quot; exists`);
    expect(
      (await post(`/ui/events/${unknown}/erase`, { _csrf: session.csrfToken, reason: 'GDPR-1' })).status,
    ).toBe(404);
  });

  it("erases by e-mail address (read from the stored event): the customer's other order and subscription too", async () => {
    await finishJobs('kataAgain', 'subscriber');
    const page = await get(`/ui/events/${events.kataAgain}/erase?scope=email`);
    expect(page.text).toContain(
      'Would erase the personal data of <strong>2 events and 2 deliveries</strong>',
    );
    expect(page.text).toContain('No unfinished job: nothing blocks the erasure.');
    const done = await post(`/ui/events/${events.kataAgain}/erase`, {
      _csrf: session.csrfToken,
      scope: 'email',
      reason: 'GDPR-2026-103',
      reveal: '1',
    });
    expect(done.status).toBe(303);
    expect(done.location).toMatch(
      new RegExp(
        `^/ui/deliveries/${deliveries.kataAgain}\\?notice=[A-Za-z0-9_-]{24}&reveal=1#event-${events.kataAgain}$`,
      ),
    );
    expect((await get((done.location ?? '').replace(/#.*$/, ''))).text).toContain(
      '<p class="notice ok" role="status">Personal data erased (reason GDPR-2026-103).',
    );
    expect(await erased('kataAgain')).toMatchObject({ reason: 'GDPR-2026-103' });
    expect(await erased('subscriber')).toMatchObject({ reason: 'GDPR-2026-103' });
    expect(await erased('other')).toBeUndefined();
    // A notice=erased typed onto a delivery that is not erased says nothing.
    const untouched = await get(`/ui/deliveries/${deliveries.other}?notice=erased`);
    expect(untouched.text).not.toContain('Personal data erased');
    for (const key of ['kataAgain', 'subscriber']) {
      const shown = await get(`/ui/deliveries/${deliveries[key]}?reveal=1`);
      expect(shown.text).toMatch(
        /Personal data erased at <time[^>]*>[^<]+<\/time> \(GDPR-2026-103\) on request\./,
      );
      expect(shown.text.toLowerCase()).not.toContain(EMAIL.toLowerCase());
    }
  });

  it('writes the erasures to the log by ids and counts: no log line holds the address, or tried to', async () => {
    const requests = receiver.logLines.filter((line) => line.includes('/erase'));
    expect(requests.length).toBeGreaterThan(5);
    const erasures = receiver.logLines.filter((line) => line.includes('"erasure":{'));
    expect(
      erasures.some((line) => line.includes('"msg":"personal data erased"') && line.includes('"by":"email"')),
    ).toBe(true);
    // Nothing even tried to log one (the logger's redactor would have written [email] in its place).
    expect(receiver.logLines.filter((line) => line.includes('[email]'))).toEqual([]);
    for (const address of [EMAIL, OTHER_EMAIL]) {
      expect(receiver.logLines.filter((line) => line.toLowerCase().includes(address.toLowerCase()))).toEqual(
        [],
      );
    }
  });

  // A subscriber "id" that is text from outside (a name and a phone number sent as the id) is no id to
  // show: it stood unmasked in the subscriber scope's line and in the event's heading.
  it("hides a subscriber id that is no id (a name, a phone number) until revealed, as the event's heading does", async () => {
    const id = 'Bárány Zsófia 06301234567';
    const delivery = encodeDelivery(
      'newsletter_subscribe',
      { newsletter: { subscriber: [{ ...sampleSubscriber(7), id, email: 'zsofi@example.hu' }] } },
      { format: 'json' },
    );
    const response = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'newsletter_subscribe')}`, {
      method: 'POST',
      headers: { 'content-type': delivery.contentType },
      body: new Uint8Array(delivery.body),
    });
    const deliveryId = ((await response.json()) as { deliveryId: string }).deliveryId;
    const event = (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    for (const path of [`/ui/events/${event}/erase?scope=subscriber`, `/ui/deliveries/${deliveryId}`]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      for (const value of ['Bárány', 'Zsófia', '06301234567']) expect(page.text).not.toContain(value);
    }
    expect((await get(`/ui/events/${event}/erase?scope=subscriber`)).text).toContain(
      'subscriber <span class="muted"><span class="masked"><span aria-hidden="true">hidden (25 characters)</span>',
    );
    expect((await get(`/ui/deliveries/${deliveryId}`)).text).toContain('<h2>newsletter_subscribe</h2>');
    const revealed = await get(`/ui/events/${event}/erase?scope=subscriber&reveal=1`);
    expect(revealed.text).toContain(`subscriber ${id} of ${SHOP}`);
    expect((await get(`/ui/deliveries/${deliveryId}?reveal=1`)).text).toContain(
      `<h2>newsletter_subscribe ${id}</h2>`,
    );
  });

  it('erases an unsubscribe without an address by its subscriber: the subscriber scope, its only one', async () => {
    const post = async (
      event: 'newsletter_subscribe' | 'newsletter_unsubscribe',
      item: Record<string, unknown>,
    ) => {
      const delivery = encodeDelivery(event, { newsletter: { subscriber: [item] } }, { format: 'json' });
      const response = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, event)}`, {
        method: 'POST',
        headers: { 'content-type': delivery.contentType },
        body: new Uint8Array(delivery.body),
      });
      const deliveryId = ((await response.json()) as { deliveryId: string }).deliveryId;
      return (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    };
    const { email: _none, ...withoutAddress } = sampleSubscriber(6);
    const subscribed = await post('newsletter_subscribe', {
      ...sampleSubscriber(6),
      id: '6106',
      email: OTHER_EMAIL,
    });
    const left = await post('newsletter_unsubscribe', { ...withoutAddress, id: '6106' });
    const page = await get(`/ui/events/${left}/erase`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<input type="hidden" name="scope" value="subscriber">');
    expect(page.text).not.toContain('Everything with this customer');
    expect(page.text).toContain(
      'Would erase the personal data of <strong>2 events and 2 deliveries</strong>',
    );
    const done = await fetch(`${receiver.baseUrl}/ui/events/${left}/erase`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: session.cookie,
        origin: receiver.baseUrl,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        _csrf: session.csrfToken,
        scope: 'subscriber',
        reason: 'GDPR-2026-104',
        includeUnfinished: '1',
      }),
    });
    expect(done.status).toBe(303);
    for (const id of [subscribed, left]) {
      expect((await receiver.app.store.getEvent(id))?.erasure).toMatchObject({ reason: 'GDPR-2026-104' });
    }
  });
});
