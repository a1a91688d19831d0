import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  registeredRoutes,
  SHOP,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

interface Json {
  [key: string]: unknown;
}

describe('admin API', () => {
  let receiver: TestReceiver;
  const ids: Record<string, string> = {};

  async function api(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: Json; headers: Headers }> {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, {
      ...init,
      headers: { ...bearer(), ...(init.headers as Record<string, string> | undefined) },
    });
    return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
  }

  /** Plays the worker: claims every runnable job and completes it; returns their event ids. */
  async function runJobsOnce(): Promise<string[]> {
    const jobs = await receiver.app.store.claimJobs({ workerId: 'test-worker', limit: 50, leaseMs: 60_000 });
    for (const job of jobs)
      await receiver.app.store.completeJob(job.id, { attempt: job.attempt, statusCode: 200 });
    return jobs.map((job) => job.eventId);
  }

  async function eventOf(deliveryId: string): Promise<string> {
    const { body } = await api(`/deliveries/${deliveryId}`);
    const events = (body.delivery as { events: Array<{ id: string }> }).events;
    return events[0]?.id ?? '';
  }

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const posted = [
      [
        'kovacs',
        SHOP,
        order(1, { innerId: '1001', firstname: 'Éva', lastname: 'Kovács', totalGross: 12500 }),
      ],
      ['nagy', SHOP, order(2, { innerId: '1002', firstname: 'Győző', lastname: 'Nagy', totalGross: 990 })],
      ['other', 'other-shop', order(3, { innerId: '2001', firstname: 'Anna', lastname: 'Szabó' })],
    ] as const;
    for (const [key, shop, item] of posted) {
      const result = await postDelivery(receiver, orderDelivery([item]), shop);
      expect(result.status).toBe(200);
      ids[key] = result.body.deliveryId;
    }
    const broken = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'order_confirm')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orders": {"order": [{"innerId": ',
    });
    expect(broken.status).toBe(400);
    ids.broken = ((await broken.json()) as { deliveryId: string }).deliveryId;
    ids.kovacsEvent = (await receiver.app.store.getDelivery(ids.kovacs ?? ''))?.events[0]?.id ?? '';
  });

  afterAll(async () => {
    await receiver?.close();
  });

  describe('authentication', () => {
    /** Real ids in the paths, so a route that let a request through would visibly act. */
    function protectedRoutes(withHead = false): Array<{ method: string; url: string }> {
      return registeredRoutes(receiver.app)
        .filter((route) => route.url.startsWith('/admin/api') && (withHead || route.method !== 'HEAD'))
        .map((route) => ({
          method: route.method,
          url: route.url
            .replace(':id', route.url.includes('/events/') ? (ids.kovacsEvent ?? '') : (ids.broken ?? ''))
            .replace(':name', 'log'),
        }));
    }

    async function storeSnapshot(): Promise<unknown> {
      const deliveries = await receiver.app.store.listDeliveries({ limit: 500 });
      return {
        deliveries,
        event: await receiver.app.store.getEvent(ids.kovacsEvent ?? ''),
        handlers: await receiver.app.store.listHandlerStates(),
      };
    }

    it('lists every admin API route (the table below is not empty by accident)', () => {
      const urls = protectedRoutes().map(
        (route) => `${route.method} ${route.url.replace(/(dlv|evt)_[0-9a-z]+/, ':id')}`,
      );
      expect(urls).toEqual(
        expect.arrayContaining([
          'GET /admin/api/deliveries',
          'GET /admin/api/deliveries/:id',
          'POST /admin/api/deliveries/:id/reprocess',
          'GET /admin/api/events',
          'GET /admin/api/events/:id',
          'POST /admin/api/events/:id/replay',
          'POST /admin/api/events/:id/release',
          'GET /admin/api/dead-letters',
          'POST /admin/api/dead-letters/replay',
          'GET /admin/api/handlers',
          'POST /admin/api/handlers/log/enable',
          'POST /admin/api/handlers/log/disable',
          'POST /admin/api/prune',
          'POST /admin/api/recover',
          'GET /admin/api/recovery',
          'GET /admin/api/shops',
        ]),
      );
      expect(urls).toHaveLength(16);
    });

    const credentials: Array<[string, Record<string, string>]> = [
      ['no credentials', {}],
      ['a wrong bearer token', bearer('not-the-admin-token-at-all')],
      ['the token with a different case', bearer(ADMIN_TOKEN.toUpperCase())],
      [
        'a Basic authorization',
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      ],
      [
        'a forged session cookie',
        { cookie: 'srhooks_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.zzzzzz.c2lnbmF0dXJl' },
      ],
      ['the raw token as cookie', { cookie: `srhooks_admin=${ADMIN_TOKEN}` }],
    ];

    for (const [label, headers] of credentials) {
      it(`refuses every route with ${label}: 401 JSON, nothing changed`, async () => {
        const routes = protectedRoutes(true);
        expect(routes.length).toBeGreaterThan(11);
        const before = await storeSnapshot();
        for (const route of routes) {
          const response = await fetch(`${receiver.baseUrl}${route.url}`, {
            method: route.method,
            headers: { ...headers, 'content-type': 'application/json' },
            body: route.method === 'POST' ? '{}' : null,
          });
          const body =
            route.method === 'HEAD' ? null : ((await response.json()) as { error?: { code: string } });
          expect({
            route: `${route.method} ${route.url}`,
            status: response.status,
            code: route.method === 'HEAD' ? 'unauthorized' : body?.error?.code,
          }).toEqual({
            route: `${route.method} ${route.url}`,
            status: 401,
            code: 'unauthorized',
          });
          expect(response.headers.get('www-authenticate')).toBe('Bearer realm="srhooks-admin"');
        }
        expect(await storeSnapshot()).toEqual(before);
      });
    }

    it('a wrong bearer token is refused even beside a valid session cookie', async () => {
      const browser = await loginAsBrowser(receiver);
      const response = await fetch(`${receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: browser.cookie, ...bearer('wrong-token-wrong-token') },
      });
      expect(response.status).toBe(401);
    });

    it('never logs the admin token', () => {
      expect(receiver.logLines.some((line) => line.includes(ADMIN_TOKEN))).toBe(false);
    });
  });

  describe('session cookie + CSRF on the API', () => {
    it('a cookie-authenticated POST needs the CSRF token and a same-origin Origin; bearer needs neither', async () => {
      const browser = await loginAsBrowser(receiver);
      const eventId = await eventOf(ids.kovacs ?? '');
      const url = `${receiver.baseUrl}/admin/api/events/${eventId}/replay`;
      const cases: Array<[string, Record<string, string>, number, string | null]> = [
        ['no CSRF token', { cookie: browser.cookie, origin: receiver.baseUrl }, 403, 'csrf_missing'],
        [
          'a wrong CSRF token',
          { cookie: browser.cookie, origin: receiver.baseUrl, 'x-csrf-token': 'nope' },
          403,
          'csrf_invalid',
        ],
        [
          'a cross-site Origin',
          { cookie: browser.cookie, origin: 'https://evil.example', 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'no Origin and no Referer',
          { cookie: browser.cookie, 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'a cross-site Referer',
          { cookie: browser.cookie, referer: 'https://evil.example/page', 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'token and same-origin Origin',
          { cookie: browser.cookie, origin: receiver.baseUrl, 'x-csrf-token': browser.csrfToken },
          200,
          null,
        ],
        [
          'token and same-origin Referer',
          { cookie: browser.cookie, referer: `${receiver.baseUrl}/ui`, 'x-csrf-token': browser.csrfToken },
          200,
          null,
        ],
        ['bearer token alone', bearer(), 200, null],
      ];
      for (const [label, headers, status, code] of cases) {
        const response = await fetch(url, { method: 'POST', headers });
        const body = (await response.json()) as { error?: { code: string } };
        expect({ label, status: response.status, code: body.error?.code ?? null }).toEqual({
          label,
          status,
          code,
        });
      }
      // Reads with the cookie need no CSRF token.
      const read = await fetch(`${receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: browser.cookie },
      });
      expect(read.status).toBe(200);
    });
  });

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
      ['/deliveries?status=lost', 'status', 'must be one of stored, quarantined, reprocessed'],
      ['/deliveries?event=order_paid', 'event', 'must be one of order_confirm'],
      ['/deliveries?shop=Not_A_Shop', 'shop', 'must be a ShopRenter shop name'],
      ['/deliveries?cursor=robert%27);drop', 'cursor', 'must be an id'],
      ['/deliveries?colour=blue', 'colour', 'unknown field colour'],
      ['/events?status=done', 'status', 'must be one of stored, pending'],
      ['/dead-letters?limit=501', 'limit', 'must be at most 500'],
      ['/deliveries/not-an-id', 'id', 'must be an id'],
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
      const posted = await postDelivery(receiver, sent);
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
      const posted = await postDelivery(receiver, orderDelivery([order(8, { innerId: '8008' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      const [job] = await receiver.app.store.claimJobs({
        workerId: 'test-worker',
        limit: 10,
        leaseMs: 60_000,
        handlers: ['log'],
      });
      expect(job?.eventId).toBe(eventId);
      await receiver.app.store.failJob(job?.id ?? '', {
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

  describe('replay', () => {
    it('replays an event: its job runs again and a new attempt is recorded', async () => {
      const posted = await postDelivery(receiver, orderDelivery([order(9, { innerId: '9009' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      expect(await runJobsOnce()).toContain(eventId);
      const before = (await api(`/events/${eventId}`)).body.event as {
        status: string;
        jobs: Array<{ status: string; attemptLog: unknown[] }>;
      };
      expect(before.status).toBe('succeeded');
      expect(before.jobs[0]?.attemptLog).toHaveLength(1);

      const replay = await api(`/events/${eventId}/replay`, { method: 'POST' });
      expect(replay.status).toBe(200);
      const jobs = replay.body.jobs as Array<{ handler: string; status: string }>;
      expect(jobs).toEqual([expect.objectContaining({ handler: 'log', status: 'pending' })]);
      expect(await runJobsOnce()).toEqual([eventId]);

      const after = (await api(`/events/${eventId}`)).body.event as {
        status: string;
        jobs: Array<{ status: string; attemptLog: Array<{ attempt: number; outcome: string }> }>;
      };
      expect(after.status).toBe('succeeded');
      expect(after.jobs[0]?.attemptLog.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
        [1, 'succeeded'],
        [2, 'succeeded'],
      ]);
    });

    it('replays one handler with ?handler= and refuses unknown handlers naming the field', async () => {
      const posted = await postDelivery(receiver, orderDelivery([order(10, { innerId: '1010' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      await runJobsOnce();
      const replay = await api(`/events/${eventId}/replay?handler=log`, { method: 'POST' });
      expect(replay.status).toBe(200);
      expect((replay.body.jobs as Array<{ handler: string }>).map((job) => job.handler)).toEqual(['log']);
      const unknown = await api(`/events/${eventId}/replay?handler=erp`, { method: 'POST' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', field: 'handler' });
      const badName = await api(`/events/${eventId}/replay?handler=${encodeURIComponent('../x')}`, {
        method: 'POST',
      });
      expect(badName.status).toBe(400);
      expect(badName.body.error).toMatchObject({ field: 'handler' });
      await runJobsOnce();
    });

    it('refuses to replay a duplicate (409 naming the original)', async () => {
      const item = order(11, { innerId: '1111' });
      const first = await postDelivery(receiver, orderDelivery([item]));
      const second = await postDelivery(receiver, orderDelivery([item]));
      expect(second.body.duplicates).toBe(1);
      const original = await eventOf(first.body.deliveryId);
      const duplicate = await eventOf(second.body.deliveryId);
      const replay = await api(`/events/${duplicate}/replay`, { method: 'POST' });
      expect(replay.status).toBe(409);
      expect(replay.body.error).toMatchObject({ code: 'duplicate_event', duplicateOf: original });
      await runJobsOnce();
    });

    it('lists dead letters and replays those in a time window', async () => {
      const posted = await postDelivery(receiver, orderDelivery([order(12, { innerId: '1212' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      const [job] = await receiver.app.store.claimJobs({
        workerId: 'test-worker',
        limit: 10,
        leaseMs: 60_000,
      });
      expect(job?.eventId).toBe(eventId);
      const deadAt = new Date();
      await receiver.app.store.failJob(job?.id ?? '', {
        attempt: job?.attempt ?? 0,
        error: 'HTTP 400 from target',
        statusCode: 400,
        deadLetter: true,
        now: deadAt,
      });

      const list = await api('/dead-letters');
      const items = list.body.items as Array<{
        job: { id: string; lastError: string };
        event: { id: string; orderNumber: string };
      }>;
      expect(items.map((item) => [item.job.id, item.event.orderNumber, item.job.lastError])).toEqual([
        [job?.id, '1212', 'HTTP 400 from target'],
      ]);

      const before = new Date(deadAt.getTime() - 60_000).toISOString();
      const outside = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: before }),
      });
      expect(outside.body).toMatchObject({ ok: true, replayed: 0 });

      const bad = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'last week' }),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ field: 'from', in: 'body' });

      // A handler that is not configured is refused, not answered "replayed: 0".
      const unknown = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handler: 'nope' }),
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', field: 'handler' });
      expect((await api('/dead-letters')).body.items).toHaveLength(1);

      const inside = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          from: before,
          to: new Date(deadAt.getTime() + 60_000).toISOString(),
          handler: 'log',
        }),
      });
      expect(inside.body).toMatchObject({ ok: true, replayed: 1 });
      expect((inside.body.jobs as Array<{ id: string; status: string }>)[0]).toMatchObject({
        id: job?.id,
        status: 'pending',
      });
      expect((await api('/dead-letters')).body.items).toEqual([]);
      expect(await runJobsOnce()).toEqual([eventId]);
    });

    it('releases a held event, and refuses to release one that is not held', async () => {
      const posted = await postDelivery(receiver, orderDelivery([order(13, { innerId: '1313' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      await receiver.app.store.setEventVerification(eventId, {
        status: 'mismatched',
        detail: 'gross total differs',
      });
      const held = (await api(`/events/${eventId}`)).body.event as { held: boolean; status: string };
      expect(held).toMatchObject({ held: true, status: 'held' });
      expect(
        await receiver.app.store.claimJobs({ workerId: 'test-worker', limit: 50, leaseMs: 60_000 }),
      ).toEqual([]);

      const release = await api(`/events/${eventId}/release`, { method: 'POST' });
      expect(release.status).toBe(200);
      expect(((await api(`/events/${eventId}`)).body.event as { held: boolean }).held).toBe(false);
      expect(await runJobsOnce()).toEqual([eventId]);

      const again = await api(`/events/${eventId}/release`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'not_held' });
    });
  });

  describe('re-processing quarantined deliveries', () => {
    it('decodes a quarantined delivery again and stores its events and jobs', async () => {
      // A delivery quarantined by an earlier decoder that failed on it; today's decoder reads it.
      const deliveryId = await quarantineOrderDelivery(
        receiver,
        order(14, { innerId: '1414', firstname: 'Zsófia', lastname: 'Kiss' }),
      );
      const result = await api(`/deliveries/${deliveryId}/reprocess`, { method: 'POST' });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ ok: true, deliveryId, duplicates: 0 });
      expect(result.body.events).toHaveLength(1);

      const delivery = (await api(`/deliveries/${deliveryId}`)).body.delivery as {
        status: string;
        reprocessedAt: string | null;
        events: Array<{ orderNumber: string; customerName: string }>;
      };
      expect(delivery.status).toBe('reprocessed');
      expect(delivery.reprocessedAt).not.toBeNull();
      expect(delivery.events.map((event) => [event.orderNumber, event.customerName])).toEqual([
        ['1414', 'Kiss Zsófia'],
      ]);
      const event = (await api(`/events/${await eventOf(deliveryId)}`)).body.event as {
        jobs: Array<{ handler: string; status: string }>;
      };
      expect(event.jobs.map((job) => [job.handler, job.status])).toEqual([['log', 'pending']]);

      const again = await api(`/deliveries/${deliveryId}/reprocess`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'not_quarantined' });
    });

    it('leaves a still-undecodable delivery quarantined (422 with the decode error)', async () => {
      const result = await api(`/deliveries/${ids.broken}/reprocess`, { method: 'POST' });
      expect(result.status).toBe(422);
      const error = result.body.error as { code: string; message: string; decodeError: { code: string } };
      expect(error.code).toBe('still_undecodable');
      expect(error.decodeError.code).toMatch(/json/);
      expect(((await api(`/deliveries/${ids.broken}`)).body.delivery as { status: string }).status).toBe(
        'quarantined',
      );
    });
  });

  describe('handlers', () => {
    it('lists configured handlers and re-enables a disabled one', async () => {
      await receiver.app.store.disableHandler('log', { reason: 'target answered 410 Gone' });
      const disabled = await api('/handlers');
      expect(disabled.body.items).toEqual([
        expect.objectContaining({
          name: 'log',
          type: 'log',
          disabled: true,
          reason: 'target answered 410 Gone',
        }),
      ]);
      const enable = await api('/handlers/log/enable', { method: 'POST' });
      expect(enable.status).toBe(200);
      expect(((await api('/handlers')).body.items as Array<{ disabled: boolean }>)[0]?.disabled).toBe(false);
      const unknown = await api('/handlers/erp/enable', { method: 'POST' });
      expect(unknown.status).toBe(404);
    });

    it("disables a handler as an operator's, says when it already was, and enable undoes it", async () => {
      const disable = await api('/handlers/log/disable', { method: 'POST' });
      expect(disable.status).toBe(200);
      expect(disable.body).toMatchObject({
        ok: true,
        handler: 'log',
        alreadyDisabled: false,
        disabledBy: 'operator',
        reason: expect.stringContaining('disabled by an operator'),
      });
      const listed = await api('/handlers');
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          name: 'log',
          disabled: true,
          disabledBy: 'operator',
          reason: expect.stringContaining('disabled by an operator'),
        }),
      ]);
      const again = await api('/handlers/log/disable', { method: 'POST' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ alreadyDisabled: true, disabledBy: 'operator' });
      expect(again.body.changedAt).toBe(disable.body.changedAt);

      expect((await api('/handlers/log/enable', { method: 'POST' })).status).toBe(200);
      expect((await api('/handlers')).body.items).toEqual([
        expect.objectContaining({ name: 'log', disabled: false, disabledBy: null, reason: null }),
      ]);

      // Disabled by its target (410): an operator's disable leaves that state and its reason alone.
      await receiver.app.store.disableHandler('log', { reason: 'HTTP 410 Gone from erp.example' });
      const overTarget = await api('/handlers/log/disable', { method: 'POST' });
      expect(overTarget.body).toMatchObject({
        alreadyDisabled: true,
        disabledBy: 'target',
        reason: 'HTTP 410 Gone from erp.example',
      });
      expect((await api('/handlers/log/enable', { method: 'POST' })).status).toBe(200);

      const unknown = await api('/handlers/erp/disable', { method: 'POST' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler' });
      expect((await receiver.app.store.listHandlerStates()).find((state) => state.handler === 'erp')).toBe(
        undefined,
      );
    });
  });
});

/**
 * Action options (replay's handler from a JSON body like prune and recover; bodies refused where an
 * action takes none), a dead-letter handler filter naming no handler, cursors of the wrong shape and
 * app-mode event names as filters. Two handlers (`log`, `print`), so a replay of one is visible.
 */
describe('admin API: action options, handler filters, cursors, app events', () => {
  let receiver: TestReceiver;
  let eventId = '';
  let deliveryId = '';
  let paymentDeliveryId = '';
  let paymentEventId = '';

  async function call(
    path: string,
    init: { method?: string; body?: string; type?: string } = {},
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...bearer(),
        ...(init.body === undefined ? {} : { 'content-type': init.type ?? 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** Completes every runnable job; returns [event id, handler] of each. */
  async function runJobs(): Promise<Array<[string, string]>> {
    const jobs = await receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 });
    for (const job of jobs) await receiver.app.store.completeJob(job.id, { attempt: job.attempt });
    return jobs.map((job) => [job.eventId, job.handler]);
  }

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [{ name: SHOP, handlers: ['log', 'print'] }],
      handlers: { log: { type: 'log' }, print: { type: 'log' } },
    });
    const posted = await postDelivery(receiver, orderDelivery([order(41, { innerId: '4141' })]));
    deliveryId = posted.body.deliveryId;
    eventId = (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    // An app-mode event as the store holds it, with a job of a handler since removed from the config.
    const payment = await receiver.app.store.ingest(
      {
        shop: SHOP,
        event: 'payment_status' as never,
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ dedupeKey: 'payment-status-test', subjectId: null, payload: {} }],
      ['gone'],
    );
    paymentDeliveryId = payment.deliveryId;
    paymentEventId = payment.events[0]?.id ?? '';
    const jobs = await receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 });
    for (const job of jobs) {
      if (job.handler === 'gone') {
        await receiver.app.store.failJob(job.id, { attempt: job.attempt, error: 'gone', deadLetter: true });
      } else {
        await receiver.app.store.completeJob(job.id, { attempt: job.attempt });
      }
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('replays only the handler a JSON body names, as with ?handler=', async () => {
    const replay = await call(`/events/${eventId}/replay`, { method: 'POST', body: '{"handler":"print"}' });
    expect(replay.status).toBe(200);
    expect((replay.body.jobs as Array<{ handler: string }>).map((job) => job.handler)).toEqual(['print']);
    expect(await runJobs()).toEqual([[eventId, 'print']]);
    const query = await call(`/events/${eventId}/replay?handler=log`, { method: 'POST' });
    expect((query.body.jobs as Array<{ handler: string }>).map((job) => job.handler)).toEqual(['log']);
    expect(await runJobs()).toEqual([[eventId, 'log']]);
    const all = await call(`/events/${eventId}/replay`, { method: 'POST', body: '{}' });
    expect((all.body.jobs as Array<{ handler: string }>).map((job) => job.handler).sort()).toEqual([
      'log',
      'print',
    ]);
    expect(await runJobs()).toHaveLength(2);
  });

  it.each([
    ['{"handler":123}', 'application/json', 'body.handler: must be text'],
    ['{"handler":null}', 'application/json', 'body.handler: must be text'],
    ['{"handler":""}', 'application/json', 'body.handler: must not be blank'],
    ['{"handlr":"erp"}', 'application/json', 'unknown field handlr'],
    ['{"handler":"print"}', 'text/plain', 'body: must be a JSON object'],
    ['[]', 'application/json', 'body: must be a JSON object'],
  ])('refuses a replay body %s (%s) and replays nothing', async (body, type, message) => {
    const replay = await call(`/events/${eventId}/replay`, { method: 'POST', body, type });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toMatchObject({ code: 'invalid_request' });
    expect((replay.body.error as { message: string }).message).toContain(message);
    expect(await runJobs()).toEqual([]);
  });

  it('refuses a blank ?handler=, an unknown handler, and a body beside a query', async () => {
    const blank = await call(`/events/${eventId}/replay?handler=`, { method: 'POST' });
    expect(blank.status).toBe(400);
    expect(blank.body.error).toMatchObject({ code: 'invalid_request', field: 'handler' });
    expect((blank.body.error as { message: string }).message).toContain(
      'send the name of a configured handler',
    );
    const unknown = await call(`/events/${eventId}/replay`, { method: 'POST', body: '{"handler":"nosuch"}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', field: 'handler' });
    const both = await call(`/events/${eventId}/replay?handler=log`, {
      method: 'POST',
      body: '{"handler":"print"}',
    });
    expect(both.status).toBe(400);
    expect((both.body.error as { message: string }).message).toContain('not both');
    expect(await runJobs()).toEqual([]);
  });

  it.each([
    ['/events/:event/release', '{"force":true}', 'application/json', 'unknown field force'],
    ['/events/:event/release', 'please', 'text/plain', 'body: must be a JSON object'],
    ['/handlers/log/enable', '{"handler":"print"}', 'application/json', 'unknown field handler'],
    ['/handlers/log/enable', 'x', 'text/plain', 'body: must be a JSON object'],
    ['/handlers/log/disable', '{"reason":"maintenance"}', 'application/json', 'unknown field reason'],
    ['/handlers/log/disable', 'x', 'text/plain', 'body: must be a JSON object'],
    ['/deliveries/:delivery/reprocess', '{"force":true}', 'application/json', 'unknown field force'],
  ])('refuses a body %s does not use: %s', async (route, body, type, message) => {
    const path = route.replace(':event', eventId).replace(':delivery', deliveryId);
    const answer = await call(path, { method: 'POST', body, type });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request' });
    expect((answer.body.error as { message: string }).message).toContain(message);
  });

  it('still accepts release, disable and enable with no body, an empty one or {}', async () => {
    for (const [body, type] of [
      [undefined, undefined],
      ['{}', 'application/json'],
      ['', 'application/json'],
      ['', 'text/plain'],
    ] as const) {
      const init = { method: 'POST', ...(body === undefined ? {} : { body, type }) };
      const disable = await call('/handlers/log/disable', init);
      expect({ body, type, status: disable.status }).toEqual({ body, type, status: 200 });
      const enable = await call('/handlers/log/enable', init);
      expect({ body, type, status: enable.status }).toEqual({ body, type, status: 200 });
      const release = await call(`/events/${eventId}/release`, init);
      expect(release.body.error).toMatchObject({ code: 'not_held' });
    }
  });

  it('refuses a dead-letter handler filter naming no handler, naming the configured ones', async () => {
    const unknown = await call('/dead-letters?handler=nosuch');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', field: 'handler' });
    expect((unknown.body.error as { message: string }).message).toContain('configured handlers: log, print');
    // Configured, with no dead letters: an empty list.
    expect((await call('/dead-letters?handler=print')).body).toMatchObject({ items: [], total: 0 });
    // Removed from the config but with dead letters: still listed (replaying them is refused).
    const gone = await call('/dead-letters?handler=gone');
    expect(gone.status).toBe(200);
    expect(gone.body.total).toBe(1);
    const replay = await call('/dead-letters/replay', { method: 'POST', body: '{"handler":"gone"}' });
    expect(replay.body.error).toMatchObject({ code: 'unknown_handler' });
  });

  it('refuses a blank dead-letter replay handler instead of replaying every dead letter', async () => {
    for (const init of [
      { path: '/dead-letters/replay?handler=' },
      { path: '/dead-letters/replay', body: '{"handler":""}' },
      { path: '/dead-letters/replay', body: '{"from":""}' },
    ]) {
      const answer = await call(init.path, { method: 'POST', ...(init.body ? { body: init.body } : {}) });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_request' });
    }
    expect((await call('/dead-letters')).body.total).toBe(1);
    const window = await call('/dead-letters/replay', {
      method: 'POST',
      body: '{"from":"2025-12-02","to":"2025-12-01"}',
    });
    expect((window.body.error as { message: string }).message).toContain('must be later than from');
  });

  it.each([
    ['/deliveries?cursor=dlv_zzzz&limit=1'],
    ['/deliveries?cursor=dlv_0000000000000000000000000'],
    ['/deliveries?cursor=dlv_000000000000000000000000000'],
    ['/deliveries?cursor=dlv_0000000000000000000000000u'],
    ['/deliveries?cursor=dlv_80000000000000000000000000'],
    ['/events?cursor=evt_zzzz'],
    ['/dead-letters?cursor=dead_0000000000zzzz'],
    ['/dead-letters?cursor=dead_00000000000000000000000000000000000u'],
  ])('refuses the malformed cursor of %s', async (path) => {
    const answer = await call(path);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });
    expect((answer.body.error as { message: string }).message).toContain("must be this list's nextCursor");
  });

  it('pages with cursors the lists answered', async () => {
    const first = await call('/deliveries?limit=1');
    const next = await call(`/deliveries?limit=1&cursor=${first.body.nextCursor as string}`);
    expect(next.status).toBe(200);
    expect((next.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([deliveryId]);
    const events = await call('/events?limit=1');
    expect((await call(`/events?limit=1&cursor=${events.body.nextCursor as string}`)).status).toBe(200);
  });

  it('filters by app-mode events', async () => {
    const events = await call('/events?event=payment_status');
    expect(events.status).toBe(200);
    expect((events.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([paymentEventId]);
    const deliveries = await call('/deliveries?event=payment_status');
    expect((deliveries.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([
      paymentDeliveryId,
    ]);
    for (const event of ['app_uninstalled', 'payment_card_change']) {
      expect((await call(`/events?event=${event}`)).body).toMatchObject({ ok: true, items: [] });
    }
    const unknown = await call('/events?event=payment_refund');
    expect(unknown.status).toBe(400);
    expect((unknown.body.error as { message: string }).message).toContain(
      'must be one of order_confirm, order_status_change, abandoned_cart, newsletter_subscribe, newsletter_unsubscribe, newsletter_update_subscriber, app_uninstalled, payment_status, payment_card_change',
    );
  });
});

describe('admin area without an admin token', () => {
  it('is not there (404) and a warning says how to enable it', async () => {
    const receiver = await startAdminReceiver({ adminToken: undefined });
    try {
      for (const path of ['/admin/api/deliveries', '/ui', '/ui/login', '/ui/assets/inspector.js']) {
        const response = await fetch(`${receiver.baseUrl}${path}`, { headers: bearer() });
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
      }
      const warnings = receiver.logLines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.level === 40);
      expect(warnings.map((line) => line.msg)).toContainEqual(
        expect.stringContaining('set SRHOOKS_ADMIN_TOKEN'),
      );
    } finally {
      await receiver.close();
    }
  });
});
