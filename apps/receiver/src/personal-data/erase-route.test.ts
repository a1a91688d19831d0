/** `POST /admin/api/personal-data/erase`: dry run, the unfinished-jobs rule, the erasure, its refusals and its log line. */
import { encodeDelivery, sampleSubscriber } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const EVA = 'Eva.Torolheto@Example.HU';

describe('POST /admin/api/personal-data/erase', () => {
  let receiver: TestReceiver;
  let evaDelivery = '';
  let otherDelivery = '';

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const eva = await postDelivery(receiver, orderDelivery([order(1, { innerId: '4101', email: EVA })]));
    const other = await postDelivery(receiver, orderDelivery([order(2, { innerId: '4102' })]));
    expect([eva.status, other.status]).toEqual([200, 200]);
    evaDelivery = eva.body.deliveryId;
    otherDelivery = other.body.deliveryId;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function erase(body: unknown, url = '/admin/api/personal-data/erase', headers = bearer()) {
    const response = await receiver.app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  }

  const evaEventId = async () => (await receiver.app.store.getDelivery(evaDelivery))?.events[0]?.id ?? '';

  it('a dry run shows what would be erased by ids and counts, and writes nothing', async () => {
    const dry = await erase({ email: EVA.toLowerCase(), reason: 'GDPR-2026-020', dryRun: true });
    expect(dry.status).toBe(200);
    const eventId = await evaEventId();
    expect(dry.body).toMatchObject({
      ok: true,
      dryRun: true,
      erased: false,
      reason: 'GDPR-2026-020',
      events: [
        { id: eventId, deliveryId: evaDelivery, shop: 'demo', event: 'order_confirm', status: 'pending' },
      ],
      deliveries: [{ id: evaDelivery, shop: 'demo', event: 'order_confirm', status: 'stored' }],
      groups: [
        { kind: 'delivery', shop: 'demo', event: 'order_confirm', status: 'stored', count: 1 },
        { kind: 'event', shop: 'demo', event: 'order_confirm', status: 'pending', count: 1 },
      ],
      jobs: 1,
      cancelledJobs: 0,
      spool: null,
    });
    expect(dry.body.unfinishedJobs).toHaveLength(1);
    expect((await receiver.app.store.getEvent(eventId))?.payload).toMatchObject({ email: EVA });
  });

  it('refuses while the event has an unfinished job (409 unfinished_jobs, nothing erased)', async () => {
    const refused = await erase({ email: EVA, reason: 'GDPR-2026-020' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      ok: false,
      error: { code: 'unfinished_jobs', message: expect.stringMatching(/--include-unfinished/) },
    });
    expect((await receiver.app.store.getDelivery(evaDelivery))?.erasure).toBeUndefined();
  });

  it('refuses bad requests with what to send instead', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ email: EVA }, 'reason', /is required: a reference of the request/],
      [{ email: EVA, reason: `ticket of ${EVA}` }, 'reason', /must not hold personal data/],
      [{ email: EVA, reason: 'call +36 30 123 4567' }, 'reason', /must not hold personal data/],
      [{ email: EVA, reason: 'Kovács Éva' }, 'reason', /must be a reference that holds its number/],
      [
        { email: EVA, reason: 'customer asked by phone' },
        'reason',
        /must be a reference that holds its number/,
      ],
      [{ reason: 'GDPR-1' }, 'email', /is required unless orderId or subscriberId/],
      [{ orderId: '4101', reason: 'GDPR-1' }, 'shop', /is required with orderId/],
      [{ subscriberId: '77', reason: 'GDPR-1' }, 'shop', /is required with subscriberId/],
      [{ shop: 'demo', subscriberId: ' ', reason: 'GDPR-1' }, 'subscriberId', /must not be blank/],
      [{ email: 'not an address', reason: 'GDPR-1' }, 'email', /must be an e-mail address/],
      [{ email: EVA, reason: 'GDPR-1', dryRun: 'true' }, 'dryRun', /JSON boolean/],
      [{ email: EVA, reason: 'GDPR-1', everything: true }, 'everything', /unknown field/],
    ];
    for (const [body, field, message] of cases) {
      const answer = await erase(body);
      expect({ body, status: answer.status, field: (answer.body.error as { field?: string }).field }).toEqual(
        {
          body,
          status: 400,
          field,
        },
      );
      expect(String((answer.body.error as { message: string }).message)).toMatch(message);
    }
    // The e-mail address never travels in a URL (access logs).
    const inQuery = await erase({}, `/admin/api/personal-data/erase?email=${encodeURIComponent(EVA)}`);
    expect(inQuery.status).toBe(400);
    expect(String((inQuery.body.error as { message: string }).message)).toMatch(/JSON body only/);
    // Same guard as every admin route.
    expect((await erase({ email: EVA, reason: 'GDPR-1' }, undefined, {})).status).toBe(401);
    expect((await receiver.app.store.getDelivery(evaDelivery))?.erasure).toBeUndefined();
  });

  it('erases with includeUnfinished (cancelling the job); the event shows as erased and its replay is refused', async () => {
    const eventId = await evaEventId();
    const done = await erase({ email: EVA, reason: 'GDPR-2026-020', includeUnfinished: true });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ ok: true, dryRun: false, erased: true, cancelledJobs: 1 });

    const shown = await receiver.app.inject({
      method: 'GET',
      url: `/admin/api/events/${eventId}`,
      headers: bearer(),
    });
    expect(shown.json()).toMatchObject({
      ok: true,
      event: {
        id: eventId,
        payload: {},
        customerName: null,
        status: 'dead',
        erasure: { reason: 'GDPR-2026-020', at: expect.any(String) },
      },
    });
    const replay = await receiver.app.inject({
      method: 'POST',
      url: `/admin/api/events/${eventId}/replay`,
      headers: bearer(),
    });
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/erased/) },
    });
    // The text search no longer finds her; the other order is untouched.
    const search = await receiver.app.inject({
      method: 'GET',
      url: `/admin/api/events?q=${encodeURIComponent(EVA)}`,
      headers: bearer(),
    });
    expect(search.json()).toMatchObject({ items: [] });
    expect((await receiver.app.store.getDelivery(otherDelivery))?.rawBody.length).toBeGreaterThan(0);
    // Logged by ids and counts: the address is in no log line.
    const logged = receiver.logLines.filter((line) => line.includes('"erasure":{'));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(receiver.logLines.filter((line) => line.toLowerCase().includes(EVA.toLowerCase()))).toEqual([]);
    expect(logged.at(-1)).toContain(eventId);
  });

  it('erases a quarantined delivery holding the address; its re-process is then refused (409 erased)', async () => {
    const quarantined = await quarantineOrderDelivery(receiver, order(5, { innerId: '4105', email: EVA }));
    const done = await erase({ email: EVA, reason: 'GDPR-2026-022' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      erased: true,
      events: [],
      deliveries: [{ id: quarantined, status: 'quarantined' }],
      groups: [{ kind: 'delivery', shop: 'demo', event: 'order_confirm', status: 'quarantined', count: 1 }],
    });
    const reprocess = await receiver.app.inject({
      method: 'POST',
      url: `/admin/api/deliveries/${quarantined}/reprocess`,
      headers: bearer(),
    });
    expect(reprocess.statusCode).toBe(409);
    expect(reprocess.json()).toMatchObject({
      error: { code: 'erased', message: expect.stringMatching(/GDPR-2026-022.*cannot be re-processed/) },
    });
    expect((await receiver.app.store.getDelivery(quarantined))?.status).toBe('quarantined');
  });

  it('by order: shop and orderId', async () => {
    const other = (await receiver.app.store.getDelivery(otherDelivery))?.events[0]?.id;
    const dry = await erase({ shop: 'demo', orderId: '4102', reason: 'GDPR-2026-021', dryRun: true });
    expect(dry.status).toBe(200);
    expect((dry.body.events as Array<{ id: string }>).map((event) => event.id)).toEqual([other]);
    expect((await erase({ shop: 'demo', orderId: '99999', reason: 'GDPR-2026-021' })).body).toMatchObject({
      erased: false,
      events: [],
      deliveries: [],
    });
    // Its log line does not say the data was erased (nor, for any erasure, whose data it was).
    const last = receiver.logLines.filter((line) => line.includes('"erasure":{')).at(-1) ?? '';
    expect(JSON.parse(last)).toMatchObject({
      erasure: { erased: false, reason: 'GDPR-2026-021' },
      msg: 'personal data erasure: nothing matched, nothing erased',
    });
  });

  it('by newsletter subscriber: shop and subscriberId (its events, also an unsubscribe without the address)', async () => {
    const newsletter = async (
      event: 'newsletter_subscribe' | 'newsletter_unsubscribe',
      item: Record<string, unknown>,
    ) => {
      const { contentType, body } = encodeDelivery(
        event,
        { newsletter: { subscriber: [item] } },
        { format: 'json' },
      );
      const response = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, event)}`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(body),
      });
      expect(response.status).toBe(200);
      const deliveryId = ((await response.json()) as { deliveryId: string }).deliveryId;
      return (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id;
    };
    const { email: _none, ...withoutAddress } = sampleSubscriber(4);
    const subscribed = await newsletter('newsletter_subscribe', {
      ...sampleSubscriber(4),
      id: '4177',
      email: EVA,
    });
    const left = await newsletter('newsletter_unsubscribe', { ...withoutAddress, id: '4177' });
    await newsletter('newsletter_subscribe', { ...sampleSubscriber(5), id: '4178' });
    const dry = await erase({ shop: SHOP, subscriberId: '4177', reason: 'GDPR-2026-022', dryRun: true });
    expect(dry.status).toBe(200);
    expect((dry.body.events as Array<{ id: string }>).map((event) => event.id).sort()).toEqual(
      [subscribed, left].sort(),
    );
    const done = await erase({
      shop: SHOP,
      subscriberId: '4177',
      reason: 'GDPR-2026-022',
      includeUnfinished: true,
    });
    expect(done.body).toMatchObject({ erased: true });
    expect((await receiver.app.store.getEvent(left ?? ''))?.payload).toEqual({});
  });
});
