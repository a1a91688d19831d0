import { readFileSync } from 'node:fs';
import {
  NewsletterSubscriberCollectionSchema,
  OrderHistoryCollectionSchema,
  orderIdFor,
  parseShopDateTime,
  readMultipartFormData,
  shopApiDateTime,
} from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { startTestSandbox, type TestSandbox, webhookBody } from '../../test-support/test-sandbox.js';

/** What recovery reads from the shop (FACTS.md §6): order search, status histories, subscribers. */
describe('order search, order histories, newsletter subscribers', () => {
  let sb: TestSandbox;
  let receiver: CaptureServer;
  let failing = true;
  /** Requests still to be refused with 503 after `failing` was cleared (the next one only, in the fault-mode test). */
  let refuseNext = 0;
  beforeAll(async () => {
    sb = await startTestSandbox();
    receiver = await startCaptureServer(() => {
      if (refuseNext > 0) {
        refuseNext -= 1;
        return { status: 503 };
      }
      return failing ? { status: 503 } : { status: 200, body: 'OK' };
    });
    for (const event of ['order_confirm', 'order_status_change', 'abandoned_cart']) {
      const res = await sb.api('POST', '/webHooks', {
        body: webhookBody(`${receiver.url}/hooks/${event}`, { event }),
      });
      expect(res.status).toBeLessThan(300);
    }
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  it('searches by the documented parameters; page links keep them', async () => {
    const before = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const first = await sb.simulator.placeOrder('demo', { order: { email: 'first@example.com' } });
    const second = await sb.simulator.placeOrder('demo');
    const cart = await sb.simulator.abandonCart('demo');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const cut = shopApiDateTime(new Date());
    await sb.simulator.changeStatus('demo', second.order.innerId ?? '', '2');
    const ids = (res: { json: () => { items: { innerId: string }[] } }) =>
      res.json().items.map((o) => o.innerId);

    expect(ids(await sb.api('GET', `/orders?full=1&createdAtMin=${shopApiDateTime(before)}`))).toEqual([
      first.order.innerId,
      second.order.innerId,
      cart.order.innerId,
    ]);
    expect(ids(await sb.api('GET', `/orders?full=1&updatedAtMin=${cut}`))).toEqual([second.order.innerId]);
    const beforeCut = shopApiDateTime(new Date((parseShopDateTime(cut)?.getTime() ?? 0) - 1000));
    expect(ids(await sb.api('GET', `/orders?full=1&updatedAtMax=${beforeCut}`))).toEqual([
      first.order.innerId,
      cart.order.innerId,
    ]);
    expect(ids(await sb.api('GET', '/orders?full=1&excludeAbandonedCart=1'))).not.toContain(
      cart.order.innerId,
    );
    expect(ids(await sb.api('GET', `/orders?full=1&innerIdMin=${second.order.innerId}`))).toEqual([
      second.order.innerId,
      cart.order.innerId,
    ]);
    expect(ids(await sb.api('GET', '/orders?full=1&email=first@example.com'))).toEqual([first.order.innerId]);
    const status2 = Buffer.from('orderStatus-order_status_id=2').toString('base64');
    expect(ids(await sb.api('GET', `/orders?full=1&orderStatusId=${status2}`))).toEqual([
      second.order.innerId,
    ]);
    // "it is necessary to enter the resource identifier of the given order status" (api/order.md)
    const bare = await sb.api('GET', '/orders?full=1&orderStatusId=2');
    expect(bare.status).toBe(400);
    expect(bare.json()).toEqual({ error: 40007, message: 'The given resource id is wrong: 2!' });
    const paged = (await sb.api('GET', `/orders?limit=1&createdAtMin=${shopApiDateTime(before)}`)).json();
    expect(paged.next.href).toContain(`createdAtMin=${encodeURIComponent(shopApiDateTime(before))}`);
    const wrong = await sb.api('GET', '/orders?updatedAtMin=2025-01-01%2010:00');
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toEqual({
      error: 40009,
      message:
        'The given datetime parameter: updatedAtMin is invalid! Valid datetime format is 1990-01-01T00:00:00',
    });
    const wrongDay = await sb.api('GET', '/newsletterSubscribers?subscribedAt=15-06-2015');
    expect(wrongDay.json()).toMatchObject({ error: 40017 });
  });

  it('keeps each order’s status history consistent with what it delivered, in JSON and XML', async () => {
    const { order } = await sb.simulator.placeOrder('demo');
    const changed = await sb.simulator.changeStatus('demo', order.innerId ?? '', '3');
    const id = orderIdFor(order.innerId ?? '');
    const res = await sb.api('GET', `/orderHistories?orderId=${id}&full=1`);
    expect(res.status).toBe(200);
    const history = OrderHistoryCollectionSchema.parse(res.json()).items as {
      dateAdded: string;
      orderStatus: { href: string };
    }[];
    expect(history.map((h) => h.dateAdded)).toEqual([
      order.orderHistory?.dateAdded,
      changed.order.orderHistory?.dateAdded,
    ]);
    expect(history[1]?.orderStatus.href).toContain(
      Buffer.from('orderStatus-order_status_id=3').toString('base64'),
    );
    await sb.simulator.waitForIdle();
    const delivered = sb.simulator
      .deliveries('demo')
      .filter((d) => d.event === 'order_status_change')
      .map((d) => JSON.parse(d.data).orders.order[0].orderHistory.dateAdded);
    expect(delivered).toContain(history[1]?.dateAdded);
    expect(parseShopDateTime(history[0]?.dateAdded ?? '')).toBeInstanceOf(Date);
    const xml = await sb.api('GET', `/orderHistories?orderId=${id}&full=1`, { accept: null });
    expect(xml.headers.get('content-type')).toMatch(/xml/);
    expect(xml.text).toMatch(
      new RegExp(
        `<dateAdded>\\s*<!\\[CDATA\\[${changed.order.orderHistory?.dateAdded}\\]\\]>\\s*</dateAdded>`,
      ),
    );
    const bad = await sb.api('GET', '/orderHistories?orderId=nonsense');
    expect(bad.json().error).toBe(40007);
  });

  it('answers the orderHistories collection in its documented frame: page, pageCount and limit as numbers', async () => {
    // sr-api-docs fixtures/api/order_history/response/json/get_page.json: unlike the webHooks, orders and
    // newsletterSubscribers collections ("page": "0"), this one writes numbers and adds pageCount.
    const documented = JSON.parse(
      readFileSync(
        new URL(
          '../../../../../packages/contracts/fixtures/shoprenter/api/order_history/response_json_get_page.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ) as Record<string, unknown>;
    for (let i = 0; i < 3; i++) await sb.simulator.placeOrder('demo');
    const frame = (body: Record<string, unknown>) =>
      Object.entries(body)
        .filter(([key]) => key !== 'items')
        .map(([key, value]) => [key, value === null ? 'null' : typeof value]);
    const first = (await sb.api('GET', '/orderHistories?full=1&page=0&limit=2')).json();
    expect(frame(first)).toEqual(frame(documented));
    const entries = (await sb.api('GET', '/orderHistories?limit=200')).json().items.length as number;
    expect(first).toMatchObject({ page: 0, limit: 2, pageCount: Math.ceil(entries / 2) });
    const last = (await sb.api('GET', `/orderHistories?full=1&page=${first.pageCount - 1}&limit=2`)).json();
    expect(last).toMatchObject({ page: first.pageCount - 1, next: null });
    const xml = await sb.api('GET', '/orderHistories?page=0&limit=2', { accept: null });
    expect(xml.text).toMatch(/<page>0<\/page>\s*<pageCount>\d+<\/pageCount>\s*<limit>2<\/limit>/);
    // The others keep the strings their documented answers show.
    expect((await sb.api('GET', '/orders?limit=2')).json()).toMatchObject({ page: '0', limit: '2' });
    expect((await sb.api('GET', '/orders?limit=2')).json()).not.toHaveProperty('pageCount');
  });

  it('lists newsletter subscribers with the email, status and subscribedAt filters', async () => {
    const a = await sb.simulator.subscribe('demo', { subscriber: { email: 'a@example.com' } });
    await sb.simulator.subscribe('demo', { subscriber: { email: 'b@example.com' } });
    await sb.simulator.unsubscribe('demo', { email: 'b@example.com' });
    const all = NewsletterSubscriberCollectionSchema.parse(
      (await sb.api('GET', '/newsletterSubscribers?full=1')).json(),
    ).items as { email: string; status: string; id: string; dateSubscribed: string }[];
    expect(all.map((s) => [s.email, s.status])).toEqual([
      ['a@example.com', '1'],
      ['b@example.com', '0'],
    ]);
    expect(all[0]?.id).toBe(
      Buffer.from(`newsletterSubscriber-subscriber_id=${a.subscriber.id}`).toString('base64'),
    );
    const subscribed = (await sb.api('GET', '/newsletterSubscribers?full=1&status=1')).json().items;
    expect(subscribed.map((s: { email: string }) => s.email)).toEqual(['a@example.com']);
    const day = all[0]?.dateSubscribed.slice(0, 10);
    expect(
      (await sb.api('GET', `/newsletterSubscribers?full=1&subscribedAt=${day}`)).json().items,
    ).toHaveLength(2);
    expect(
      (await sb.api('GET', '/newsletterSubscribers?full=1&email=B@example.com')).json().items,
    ).toHaveLength(1);
    const xml = await sb.api('GET', '/newsletterSubscribers?full=1', { accept: null });
    expect(xml.text).toMatch(/<email>\s*<!\[CDATA\[a@example.com\]\]>\s*<\/email>/);
  });

  it("keeps a subscriber's dateUpdated until the subscriber changes, as a stored record does", async () => {
    const email = 'updated-at@example.com';
    const read = async () => {
      const items = (await sb.api('GET', `/newsletterSubscribers?full=1&email=${email}`)).json().items as {
        dateSubscribed: string;
        dateCreated: string;
        dateUpdated: string;
      }[];
      return items[0];
    };
    try {
      await sb.simulator.subscribe('demo', { subscriber: { email } });
      const first = await read();
      expect(first?.dateUpdated).toBe(first?.dateSubscribed);
      sb.setClockOffset(3600); // an hour passes on the shop's clock: nothing changed, nothing moves
      expect((await read())?.dateUpdated).toBe(first?.dateUpdated);
      await sb.simulator.updateSubscriber('demo', { email, subscriber: { firstname: 'Changed' } });
      const updated = await read();
      expect(updated?.dateUpdated).not.toBe(first?.dateUpdated);
      expect(updated?.dateCreated).toBe(first?.dateCreated);
      sb.setClockOffset(7200);
      expect((await read())?.dateUpdated).toBe(updated?.dateUpdated);
      await sb.simulator.unsubscribe('demo', { email });
      expect(((await read())?.dateUpdated ?? '') > (updated?.dateUpdated ?? '')).toBe(true);
    } finally {
      sb.setClockOffset(0);
    }
  });

  it('late-deliver: failed deliveries are sent once more, the same document, as new records', async () => {
    failing = true;
    const { order } = await sb.simulator.placeOrder('demo');
    await sb.simulator.waitForIdle();
    const failed = sb.simulator
      .deliveries('demo')
      .filter((d) => d.state === 'failed' && d.event === 'order_confirm')
      .at(-1);
    expect(JSON.parse(failed?.data ?? '{}').orders.order[0].innerId).toBe(order.innerId);
    failing = false;
    const res = await sb.call('POST', '/demo/_sandbox/late-deliver', { body: { event: 'order_confirm' } });
    const late = res.json().deliveries as { id: string; lateOf: string }[];
    expect(late.map((d) => d.lateOf)).toContain(failed?.id);
    await sb.simulator.waitForIdle();
    const repeated = sb.simulator.deliveries('demo').find((d) => d.lateOf === failed?.id);
    expect(repeated).toMatchObject({ state: 'delivered', data: failed?.data, url: failed?.url });
    const wire = receiver.requests.at(-1);
    const boundary = /boundary=([^;]+)/.exec(String(wire?.headers['content-type']))?.[1] ?? '';
    const parts = readMultipartFormData(wire?.body ?? Buffer.alloc(0), boundary);
    expect(parts.find((p) => p.name === 'data')?.value.toString()).toBe(failed?.data);
    // Nothing is late-delivered twice.
    expect(
      (await sb.call('POST', '/demo/_sandbox/late-deliver', { body: { event: 'order_confirm' } })).json()
        .deliveries,
    ).toEqual([]);
  });

  it('an abandoned cart has no status: orderStatus null, no status history (documented: "If there is no status, the order is not completed")', async () => {
    const { order } = await sb.simulator.abandonCart('demo');
    expect(order.orderHistory?.status).toBe('0'); // the delivery's block (A13)
    const id = orderIdFor(order.innerId ?? '');
    const item = (await sb.api('GET', `/orders/${id}`)).json();
    expect(item.orderStatus).toBeNull();
    const listed = (await sb.api('GET', `/orders?full=1&innerId=${order.innerId}`)).json().items;
    expect(listed.map((o: { orderStatus: unknown }) => o.orderStatus)).toEqual([null]);
    expect((await sb.api('GET', `/orderHistories?orderId=${id}&full=1`)).json().items).toEqual([]);
    const xml = await sb.api('GET', `/orders/${id}`, { accept: null });
    expect(xml.text).toMatch(/<orderStatus\/>/);
    // Still an order with orderStatusId 0 for the search (documented: excludeAbandonedCart=1).
    expect(
      (await sb.api('GET', `/orders?full=1&excludeAbandonedCart=1&innerId=${order.innerId}`)).json().items,
    ).toEqual([]);
  });

  it('late-deliver as a fault mode: lateDeliverMs re-sends a delivery that fails', async () => {
    // The receiver refuses exactly the cart's first delivery (not a window of time: on a loaded machine a
    // fixed sleep may end before the sandbox sent it, or after the late re-send) and accepts the late one.
    failing = false;
    refuseNext = 1;
    await sb.call('PUT', '/demo/_sandbox/faults', { body: { lateDeliverMs: 50 } });
    const { order } = await sb.simulator.abandonCart('demo');
    const cartDeliveries = () =>
      sb.simulator
        .deliveries('demo')
        .filter(
          (d) => d.event === 'abandoned_cart' && JSON.parse(d.data).orders.order[0].innerId === order.innerId,
        );
    await vi.waitFor(
      () => {
        if (
          !cartDeliveries().some(
            (d) => d.lateOf !== undefined && (d.state === 'delivered' || d.state === 'failed'),
          )
        )
          throw new Error('no late delivery settled yet');
      },
      { timeout: 10_000, interval: 20 },
    );
    await sb.simulator.waitForIdle();
    const carts = cartDeliveries();
    expect(carts.map((d) => [d.state, d.lateOf !== undefined])).toEqual([
      ['failed', false],
      ['delivered', true],
    ]);
    await sb.call('PUT', '/demo/_sandbox/faults', { body: {} });
  });
});
