import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import type { Json } from './test-support/admin-api-fixture.js';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

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

  it("refuses to replay a job a worker is running right now (409 job_running); the other handler's replays", async () => {
    const replayAll = await call(`/events/${eventId}/replay`, { method: 'POST', body: '{}' });
    expect(replayAll.status).toBe(200);
    // a worker takes the log handler's job and is still running it
    const [running] = await receiver.app.store.claimJobs({
      workerId: 'busy',
      handlers: ['log'],
      limit: 1,
      leaseMs: 60_000,
    });
    expect(running?.handler).toBe('log');
    for (const url of [`/events/${eventId}/replay`, `/events/${eventId}/replay?handler=log`]) {
      const refused = await call(url, { method: 'POST' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'job_running', handlers: ['log'] });
      expect((refused.body.error as { message: string }).message).toContain(
        'handler log is running its job right now',
      );
    }
    const all = await call(`/events/${eventId}/replay`, { method: 'POST' });
    expect((all.body.error as { message: string }).message).toContain('replay them one at a time');
    const detail = await call(`/events/${eventId}`);
    const jobs = (detail.body as { event: { jobs: Array<{ handler: string; status: string }> } }).event.jobs;
    expect(jobs.find((job) => job.handler === 'log')?.status).toBe('running');
    // the other handler replays; once the running attempt ends, so does log
    const print = await call(`/events/${eventId}/replay?handler=print`, { method: 'POST' });
    expect(print.status).toBe(200);
    await receiver.app.store.completeJob(running?.id ?? '', { attempt: running?.attempt ?? 0 });
    const after = await call(`/events/${eventId}/replay?handler=log`, { method: 'POST' });
    expect(after.status).toBe(200);
    expect((await runJobs()).map(([, handler]) => handler).sort()).toEqual(['log', 'print']);
  });

  it.each([
    ['{"handler":123}', 'application/json', 'body.handler: must be text'],
    ['{"handler":null}', 'application/json', 'body.handler: must be text'],
    ['{"handler":""}', 'application/json', 'body.handler: must not be blank'],
    ['{"handlr":"erp"}', 'application/json', 'unknown field handlr'],
    ['{"handler":"print"}', 'text/plain', 'body: must be a JSON object'],
    ['[]', 'application/json', 'body: must be a JSON object'],
    // null is not "no options": a client that serialises a missing filter as null must not replay everything
    ['null', 'application/json', 'body: must be a JSON object'],
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
    // Named by its part and field as every refused field is.
    expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', in: 'body', field: 'handler' });
    const unknownInQuery = await call(`/events/${eventId}/replay?handler=nosuch`, { method: 'POST' });
    expect(unknownInQuery.body.error).toMatchObject({
      code: 'unknown_handler',
      in: 'query',
      field: 'handler',
    });
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
    ['/handlers/log/disable', 'null', 'application/json', 'body: must be a JSON object'],
    ['/dead-letters/replay', 'null', 'application/json', 'body: must be a JSON object'],
    [
      '/dead-letters/replay',
      '{"handler":"log"}',
      'text/plain',
      'sent as application/json (this one was text/plain)',
    ],
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
    expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', in: 'query', field: 'handler' });
    expect((unknown.body.error as { message: string }).message).toContain('configured handlers: log, print');
    // Configured, with no dead letters: an empty list.
    expect((await call('/dead-letters?handler=print')).body).toMatchObject({ items: [], total: 0 });
    // Removed from the config but with dead letters: still listed (replaying them is refused).
    const gone = await call('/dead-letters?handler=gone');
    expect(gone.status).toBe(200);
    expect(gone.body.total).toBe(1);
    const replay = await call('/dead-letters/replay', { method: 'POST', body: '{"handler":"gone"}' });
    expect(replay.body.error).toMatchObject({ code: 'unknown_handler', in: 'body', field: 'handler' });
    const replayQuery = await call('/dead-letters/replay?handler=gone', { method: 'POST' });
    expect(replayQuery.body.error).toMatchObject({ code: 'unknown_handler', in: 'query', field: 'handler' });
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
