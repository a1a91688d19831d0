import { describe, expect, it } from 'vitest';
import { type AdminApiFixture, adminApiFixture } from './test-support/admin-api-fixture.js';
import { order, orderDelivery, postDelivery } from './test-support/admin-test-receiver.js';

/** Reading through the admin API: lists, filters, text search and single deliveries and events. */
describe('admin API: lists, filters, search and show', () => {
  const fixture: AdminApiFixture = adminApiFixture();
  const { ids, api, runJobsOnce, eventOf } = fixture;

  describe('lists, filters and text search', () => {
    async function deliveryIds(query: string): Promise<string[]> {
      const { status, body } = await api(`/deliveries${query}`);
      expect(status).toBe(200);
      return (body.items as Array<{ id: string }>).map((item) => item.id);
    }

    it('lists deliveries newest first with their events', async () => {
      const { body } = await api('/deliveries');
      const items = body.items as Array<{
        id: string;
        events: Array<{ orderNumber: string; customerName: string }>;
      }>;
      expect(items.map((item) => item.id)).toEqual([ids.broken, ids.other, ids.nagy, ids.kovacs]);
      expect(items[2]?.events[0]).toMatchObject({ orderNumber: '1002', customerName: 'Nagy Győző' });
      expect(body.nextCursor).toBeNull();
    });

    it.each([
      ['?q=gyozo', ['nagy']],
      ['?q=KOVÁCS', ['kovacs']],
      ['?q=1001', ['kovacs']],
      ['?q=nobody-has-this-name', []],
      ['?shop=other-shop', ['other']],
      ['?shop=demo&status=quarantined', ['broken']],
      ['?status=stored&shop=demo', ['nagy', 'kovacs']],
      ['?eventStatus=pending&shop=demo', ['nagy', 'kovacs']],
      // a job waiting to run (the quarantined delivery has none)
      ['?jobs=waiting&shop=demo', ['nagy', 'kovacs']],
      ['?event=newsletter_subscribe', []],
    ])('filters deliveries %s', async (query, expected) => {
      expect(await deliveryIds(query)).toEqual(expected.map((key) => ids[key]));
    });

    it('filters by a time window (from inclusive, to exclusive)', async () => {
      const { body } = await api(`/deliveries/${ids.nagy}`);
      const receivedAt = (body.delivery as { receivedAt: string }).receivedAt;
      expect(await deliveryIds(`?from=${encodeURIComponent(receivedAt)}&shop=demo&status=stored`)).toEqual([
        ids.nagy,
      ]);
      expect(await deliveryIds(`?to=${encodeURIComponent(receivedAt)}&shop=demo`)).toEqual([ids.kovacs]);
      expect(await deliveryIds('?from=2000-01-01&to=2000-01-02')).toEqual([]);
    });

    it('pages with a cursor', async () => {
      const first = await api('/deliveries?limit=2');
      expect((first.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([
        ids.broken,
        ids.other,
      ]);
      const cursor = first.body.nextCursor as string;
      expect(cursor).toBe(ids.other);
      const second = await api(`/deliveries?limit=2&cursor=${cursor}`);
      expect((second.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([
        ids.nagy,
        ids.kovacs,
      ]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('lists events with filters and text search', async () => {
      const { body } = await api('/events?q=szabo');
      const items = body.items as Array<{ shop: string; orderNumber: string; deliveryId: string }>;
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ shop: 'other-shop', orderNumber: '2001', deliveryId: ids.other });
      const byDelivery = await api(`/events?deliveryId=${ids.kovacs}`);
      expect(
        (byDelivery.body.items as Array<{ orderNumber: string }>).map((item) => item.orderNumber),
      ).toEqual(['1001']);
      const stored = await api('/events?status=stored');
      expect((stored.body.items as Array<{ shop: string }>).map((item) => item.shop)).toEqual(['other-shop']);
    });

    it.each([
      ['/deliveries?from=yesterday', 'from', 'must be an ISO 8601 date'],
      ['/deliveries?to=2025-13-45', 'to', 'must be an ISO 8601 date'],
      ['/deliveries?from=2025-12-02&to=2025-12-01', 'to', 'must be later than from'],
      ['/deliveries?limit=0', 'limit', 'must be at least 1'],
      ['/deliveries?limit=many', 'limit', 'must be a whole number'],
      // Number()'s other spellings are not a page size (found by the receiver QA: all were taken)
      ['/deliveries?limit=0x2', 'limit', 'must be a whole number written in digits'],
      ['/events?limit=2e0', 'limit', 'must be a whole number written in digits'],
      ['/events?limit=%2B2', 'limit', 'must be a whole number written in digits'],
      ['/events?limit=%202', 'limit', 'must be a whole number written in digits'],
      ['/dead-letters?limit=0b1', 'limit', 'must be a whole number written in digits'],
      ['/deliveries?limit=1&limit=2', 'limit', 'must be given once (it was given 2 times)'],
      ['/deliveries?status=lost', 'status', 'must be one of stored, quarantined, reprocessed'],
      ['/deliveries?event=order_paid', 'event', 'must be one of order_confirm'],
      ['/deliveries?shop=Not_A_Shop', 'shop', 'must be a ShopRenter shop name'],
      ['/deliveries?cursor=robert%27);drop', 'cursor', 'must be an id'],
      ['/deliveries?colour=blue', 'colour', 'unknown field colour'],
      ['/deliveries?jobs=all', 'jobs', 'must be waiting (a job waiting to run) or absent'],
      ['/events?status=done', 'status', 'must be one of stored, pending'],
      ['/dead-letters?limit=501', 'limit', 'must be at most 500'],
      ['/deliveries/not-an-id', 'id', 'must be an id as the admin API lists it, such as dlv_01k…'],
      ['/events/not-an-id', 'id', 'must be an id as the admin API lists it, such as evt_01k…'],
      ['/deliveries?from=2025-02-30', 'from', 'on a day the calendar has'],
      ['/deliveries?from=2025-02-29', 'from', 'on a day the calendar has'],
      ['/events?to=2025-04-31T10:00Z', 'to', 'on a day the calendar has'],
      ['/deliveries?cursor=evt_01abc', 'cursor', "must be this list's nextCursor"],
      ['/events?cursor=dlv_01abc', 'cursor', "must be this list's nextCursor"],
      ['/deliveries/dlv_00000000000000000000000000?x=1', 'x', 'unknown field x'],
      ['/events/evt_00000000000000000000000000?foo=1', 'foo', 'unknown field foo'],
      ['/handlers?foo=1', 'foo', 'unknown field foo'],
      ['/shops?x=1', 'x', 'unknown field x'],
      ['/recovery?x=1', 'x', 'unknown field x'],
    ])('answers %s with 400 naming the field', async (path, field, message) => {
      const { status, body } = await api(path);
      expect(status).toBe(400);
      const error = body.error as { code: string; field: string; message: string };
      expect(error.code).toBe('invalid_request');
      expect(error.field).toBe(field);
      expect(error.message).toContain(message);
    });

    it.each([
      ['/events?shop=demo&shop=other', 'GET', undefined, 'query.shop: must be given once'],
      ['/deliveries?q=a&q=b', 'GET', undefined, 'query.q: must be given once'],
      ['/recover', 'POST', undefined, 'query.shop: is required'],
      ['/dead-letters/replay', 'POST', '[]', 'body: must be a JSON object'],
      ['/dead-letters/replay', 'POST', '"x"', 'body: must be a JSON object'],
      ['/dead-letters/replay', 'POST', '{"handler":["erp"]}', 'body.handler: must be text'],
      ['/recover', 'POST', '{"shop":5}', 'body.shop: must be text'],
    ])(
      "answers a value of the wrong type (%s %s %s) in words, not the validator's",
      async (path, method, body, message) => {
        const answer = await api(path, {
          method,
          ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
        });
        expect(answer.status).toBe(400);
        const error = answer.body.error as { code: string; message: string };
        expect(error.code).toBe('invalid_request');
        expect(error.message).toContain(message);
        expect(error.message).not.toMatch(/Invalid input|expected \w+, received/);
      },
    );

    it('accepts a leap day and refuses options given both as query and JSON body', async () => {
      expect((await api('/deliveries?from=2024-02-29')).status).toBe(200);
      const mixed = await api('/dead-letters/replay?handler=nope', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '2025-12-01' }),
      });
      expect(mixed.status).toBe(400);
      expect(mixed.body.error).toMatchObject({ code: 'invalid_request', in: 'query', field: 'handler' });
      expect((mixed.body.error as { message: string }).message).toContain('not both');
      for (const path of [
        '/deliveries/dlv_00000000000000000000000000/reprocess?x=1',
        '/handlers/erp/enable?x=1',
        '/handlers/erp/disable?x=1',
      ]) {
        const refused = await api(path, { method: 'POST' });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toMatchObject({ code: 'invalid_request', field: 'x' });
      }
    });

    it('answers unknown ids with 404', async () => {
      const delivery = await api('/deliveries/dlv_00000000000000000000000000');
      expect(delivery.status).toBe(404);
      expect((delivery.body.error as { code: string }).code).toBe('not_found');
      const event = await api('/events/evt_00000000000000000000000000');
      expect(event.status).toBe(404);
    });
  });

  describe('show', () => {
    it('shows a delivery with its raw body (text + base64), headers and normalised events', async () => {
      const sent = orderDelivery([order(7, { innerId: '7007', firstname: 'Ödön', lastname: 'Tóth' })]);
      const posted = await postDelivery(fixture.receiver, sent);
      const { status, body, headers } = await api(`/deliveries/${posted.body.deliveryId}`);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      const delivery = body.delivery as {
        status: string;
        decodeError: unknown;
        contentType: string;
        headers: Record<string, string>;
        rawBody: { text: string; base64: string; bytes: number };
        events: Array<{
          orderNumber: string;
          customerName: string;
          payload: { innerId: string; email: string };
        }>;
      };
      expect(delivery.status).toBe('stored');
      expect(delivery.decodeError).toBeNull();
      expect(delivery.contentType).toBe(sent.contentType);
      expect(delivery.headers['content-type']).toBe(sent.contentType);
      expect(Buffer.from(delivery.rawBody.base64, 'base64').equals(sent.body)).toBe(true);
      expect(delivery.rawBody.text).toBe(sent.body.toString('utf8'));
      expect(delivery.rawBody.bytes).toBe(sent.body.length);
      expect(delivery.events).toHaveLength(1);
      expect(delivery.events[0]).toMatchObject({ orderNumber: '7007', customerName: 'Tóth Ödön' });
      expect(delivery.events[0]?.payload.innerId).toBe('7007');
    });

    it('shows a quarantined delivery with its decode error', async () => {
      const { body } = await api(`/deliveries/${ids.broken}`);
      const delivery = body.delivery as {
        status: string;
        decodeError: { code: string; message: string };
        events: unknown[];
      };
      expect(delivery.status).toBe('quarantined');
      expect(delivery.decodeError.code).toMatch(/json/);
      expect(delivery.events).toEqual([]);
    });

    it('shows an event with its jobs and attempts, errors included', async () => {
      await runJobsOnce();
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(8, { innerId: '8008' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      const [job] = await fixture.receiver.app.store.claimJobs({
        workerId: 'test-worker',
        limit: 10,
        leaseMs: 60_000,
        handlers: ['log'],
      });
      expect(job?.eventId).toBe(eventId);
      await fixture.receiver.app.store.failJob(job?.id ?? '', {
        attempt: job?.attempt ?? 0,
        error: 'target answered 503',
        statusCode: 503,
        retryAt: new Date(Date.now() + 3_600_000),
      });
      const { status, body } = await api(`/events/${eventId}`);
      expect(status).toBe(200);
      const event = body.event as {
        status: string;
        payload: { innerId: string };
        jobs: Array<{
          handler: string;
          status: string;
          lastError: string;
          attemptLog: Array<{ attempt: number; outcome: string; error: string; statusCode: number }>;
        }>;
      };
      expect(event.status).toBe('retrying');
      expect(event.payload.innerId).toBe('8008');
      expect(event.jobs).toHaveLength(1);
      expect(event.jobs[0]).toMatchObject({
        handler: 'log',
        status: 'pending',
        lastError: 'target answered 503',
      });
      expect(event.jobs[0]?.attemptLog).toEqual([
        expect.objectContaining({
          attempt: 1,
          outcome: 'failed',
          error: 'target answered 503',
          statusCode: 503,
        }),
      ]);
    });
  });
});

/** `changedSince` and `asOf`: what a client that follows the store (events tail) missed since it last looked. */
describe('admin API: the deliveries changed since a time', () => {
  const fixture: AdminApiFixture = adminApiFixture();
  const { ids, api, runJobsOnce } = fixture;
  const listed = (body: { items?: unknown }) => (body.items as Array<{ id: string }>).map((item) => item.id);

  it('answers asOf (the receiver time before the list was read); changedSince=asOf lists the deliveries received, or whose jobs ran, after it', async () => {
    const before = Date.now();
    const first = await api('/deliveries?limit=1');
    expect(first.status).toBe(200);
    const asOf = first.body.asOf as string;
    expect(Date.parse(asOf)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(asOf)).toBeLessThanOrEqual(Date.now());

    const since = `?changedSince=${encodeURIComponent(asOf)}`;
    const nothing = await api(`/deliveries${since}`);
    expect(listed(nothing.body)).toEqual([]);
    expect(Date.parse(nothing.body.asOf as string)).toBeGreaterThanOrEqual(Date.parse(asOf));

    // the jobs of demo's two deliveries run (other-shop has no handler): older deliveries, changed now
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runJobsOnce();
    expect(listed((await api(`/deliveries${since}`)).body)).toEqual([ids.nagy, ids.kovacs]);
    expect(listed((await api(`/deliveries${since}&shop=other-shop`)).body)).toEqual([]);
    const searched = await api('/deliveries/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ changedSince: asOf, q: 'kovács' }),
    });
    expect(searched.status).toBe(200);
    expect(listed(searched.body)).toEqual([ids.kovacs]);
    expect(typeof searched.body.asOf).toBe('string');
    // the quarantined delivery has no job and did not change
    expect(listed((await api(`/deliveries${since}`)).body)).not.toContain(ids.broken);
  });

  it('refuses a changedSince that is not a time, naming the field', async () => {
    const { status, body } = await api('/deliveries?changedSince=yesterday');
    expect(status).toBe(400);
    expect(body).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'changedSince' } });
  });
});
