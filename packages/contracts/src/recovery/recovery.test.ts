import { describe, expect, test, vi } from 'vitest';
import { dedupeKey } from '../dedupe-key.js';
import { WEBHOOK_EVENTS } from '../events.js';
import { OrderItemSchema, SubscriberSchema } from '../schemas/delivery.js';
import { NewsletterSubscriberSchema } from '../schemas/newsletter-subscriber.js';
import { OrderSchema, orderIdFor } from '../schemas/order.js';
import {
  OrderCollectionSchema,
  OrderHistoryCollectionSchema,
  type OrderHistoryEntry,
  OrderProductCollectionSchema,
  type OrderProductEntry,
  OrderSearchParamsSchema,
} from '../schemas/order-search.js';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import {
  currencyIdOfOrder,
  ORDER_FIELD_MAP,
  orderItemFromApi,
  orderProductsFromApi,
  parseShopDateTime,
  recoverOrderEvents,
  recoverSubscriberEvents,
  shopApiDateTime,
  shopApiDateTimeFloor,
  shopDateTime,
  statusesFromHistory,
  subscriberItemFromApi,
} from './index.js';

const ALL = new Set<string>(WEBHOOK_EVENTS);
const documentedOrder = OrderSchema.parse(readFixtureJson('api/order/response_json_get_id.json'));
const documentedHistory = OrderHistoryCollectionSchema.parse(
  readFixtureJson('api/order_history/response_json_get_page.json'),
).items as OrderHistoryEntry[];
const capturedOrder = (
  readFixtureJson('deliveries/order_confirm.json') as { orders: { order: Record<string, unknown>[] } }
).orders.order[0] as Record<string, unknown>;
const deliveryFields = new Set(Object.keys(OrderItemSchema.shape));

function statusLink(status: string): { href: string } {
  const id = Buffer.from(`orderStatus-order_status_id=${status}`).toString('base64');
  return { href: `https://demo.api2.myshoprenter.hu/api/orderStatuses/${id}` };
}

function historyEntry(innerId: string, status: string, dateAdded: string): OrderHistoryEntry {
  return { id: `h${innerId}`, innerId, comment: '', dateAdded, orderStatus: statusLink(status) };
}

describe('API order → delivery shape (the documentation fixtures)', () => {
  test('maps field by field to documented delivery fields; what it cannot fill (or was not read) is absent', () => {
    const item = orderItemFromApi('shopname', documentedOrder, {
      status: '1',
      dateAdded: '2019-09-06 15:47:59',
    });
    for (const key of Object.keys(item)) expect(deliveryFields, key).toContain(key);
    expect(item).toMatchObject({
      storeName: 'shopname',
      innerId: '172',
      innerResourceId: 'orders/b3JkZXItb3JkZXJfaWQ9MTcy',
      customerId: '34',
      languageId: '1',
      email: 'test@test.com',
      shippingCity: 'Test',
      paymentMethodCode: 'COD',
      paymentTaxnumber: '',
      totalGross: 3990,
      orderHistory: { status: '1', dateAdded: '2019-09-06 15:47:59' },
    });
    for (const absent of [
      'total',
      'currency',
      'orderProducts',
      'taxPrice',
      'shippingGrossPrice',
      'languageCode',
    ]) {
      expect(item, absent).not.toHaveProperty(absent);
    }
    expect(item.orderHistory).not.toHaveProperty('statusText');
  });

  test('every mapped delivery field exists in the captured delivery (same names)', () => {
    for (const target of Object.values(ORDER_FIELD_MAP)) {
      expect(deliveryFields, target).toContain(target);
    }
    const capturedKeys = new Set(Object.keys(capturedOrder));
    const shared = Object.values(ORDER_FIELD_MAP).filter((field) => capturedKeys.has(field));
    expect(shared.length).toBeGreaterThan(25);
  });

  test('the documented history gives order_confirm, then one status change per later entry', () => {
    expect(statusesFromHistory(documentedHistory)).toEqual([
      { status: '1', dateAdded: '2011-01-04 10:00:00', comment: '' },
      { status: '2', dateAdded: '2011-08-25 10:00:00', comment: '' },
    ]);
    const events = recoverOrderEvents('shopname', documentedOrder, documentedHistory, ALL);
    expect(events.map((e) => [e.event, e.dedupeKey])).toEqual([
      ['order_confirm', 'order:172'],
      ['order_status_change', 'order:172:status:2:at:2011-08-25 10:00:00'],
    ]);
    expect(events[1]?.item.orderHistory).toEqual({
      status: '2',
      dateAdded: '2011-08-25 10:00:00',
      comment: '',
    });
  });

  // 2026-10-25, Europe/Budapest: 02:00–03:00 happens twice. Confirmed at 02:50 summer time, shipped
  // 20 minutes later at 02:10 winter time: by the text, the change came first, so the confirmation was
  // taken for the change to status 1 (a change never delivered) and the real change was never recovered.
  test('in the hour the clock is turned back, the history keeps its entries in inner-id order', () => {
    const history = [
      historyEntry('902', '2', '2026-10-25 02:10:00'),
      historyEntry('901', '1', '2026-10-25 02:50:00'),
      historyEntry('903', '5', '2026-10-25 03:05:00'),
      historyEntry('900', '0', '2026-10-25 01:59:00'),
    ];
    expect(statusesFromHistory(history).map((s) => `${s.status} ${s.dateAdded}`)).toEqual([
      '0 2026-10-25 01:59:00',
      '1 2026-10-25 02:50:00',
      '2 2026-10-25 02:10:00',
      '5 2026-10-25 03:05:00',
    ]);
    const events = recoverOrderEvents('demo', documentedOrder, history.slice(0, 3), ALL);
    expect(events.map((e) => e.dedupeKey)).toEqual([
      'order:172',
      'order:172:status:2:at:2026-10-25 02:10:00',
      'order:172:status:5:at:2026-10-25 03:05:00',
    ]);
    expect(events[0]?.item.orderHistory?.status).toBe('1');
  });

  test('only the events asked for; an abandoned cart (first status 0) is abandoned_cart', () => {
    const history = [
      historyEntry('1', '0', '2025-01-01 10:00:00'),
      historyEntry('2', '1', '2025-01-01 11:00:00'),
    ];
    expect(recoverOrderEvents('demo', documentedOrder, history, ALL).map((e) => e.event)).toEqual([
      'abandoned_cart',
      'order_status_change',
    ]);
    expect(
      recoverOrderEvents('demo', documentedOrder, history, new Set(['order_status_change'])).map(
        (e) => e.event,
      ),
    ).toEqual(['order_status_change']);
    expect(recoverOrderEvents('demo', documentedOrder, [], new Set(['order_confirm']))).toEqual([
      expect.objectContaining({ event: 'order_confirm', dedupeKey: 'order:172' }),
    ]);
  });
});

describe('an order without a status is an abandoned cart (documented: "If there is no status, the order is not completed")', () => {
  const cart = OrderSchema.parse({ ...documentedOrder, orderStatus: null });

  test('orderStatus null and no status history → abandoned_cart, keyed as its delivery', () => {
    for (const history of [[], undefined]) {
      const events = recoverOrderEvents('demo', cart, history, ALL);
      expect(events.map((e) => [e.event, e.dedupeKey])).toEqual([['abandoned_cart', 'order:172']]);
      expect(events[0]?.item.orderHistory).toEqual({ status: '0' });
    }
    expect(recoverOrderEvents('demo', cart, [], new Set(['order_confirm']))).toEqual([]);
  });

  test('a cart completed later begins with its first status: order_confirm', () => {
    const history = [historyEntry('1', '1', '2025-01-01 11:00:00')];
    expect(
      recoverOrderEvents('demo', { ...cart, orderStatus: statusLink('1') }, history, ALL).map((e) => e.event),
    ).toEqual(['order_confirm']);
  });

  test("each event's time (a delayed delivery counts from it): its dateAdded; without a history the order's dateCreated", () => {
    const [abandoned] = recoverOrderEvents('demo', cart, [], ALL);
    expect(abandoned?.at).toBe(cart.dateCreated);
    expect(abandoned?.at).toMatch(/^\d{4}-\d\d-\d\d/);
    const history = [
      historyEntry('1', '1', '2025-01-01 11:00:00'),
      historyEntry('2', '2', '2025-01-02 09:30:00'),
    ];
    expect(
      recoverOrderEvents('demo', { ...cart, orderStatus: statusLink('2') }, history, ALL).map((e) => [
        e.event,
        e.at,
      ]),
    ).toEqual([
      ['order_confirm', '2025-01-01 11:00:00'],
      ['order_status_change', '2025-01-02 09:30:00'],
    ]);
  });

  test('an item that does not say (no orderStatus key, no history) gives nothing', () => {
    const { orderStatus: _dropped, ...withoutKey } = documentedOrder;
    expect(recoverOrderEvents('demo', OrderSchema.parse(withoutKey), [], ALL)).toEqual([]);
  });
});

describe('same dedupe key as the real delivery (captured order_confirm)', () => {
  const innerId = String(capturedOrder.innerId);
  const history = capturedOrder.orderHistory as { status: string; dateAdded: string };
  const apiOrder = OrderSchema.parse({
    ...readFixtureJson<Record<string, unknown>>('api/order/response_json_get_id.json'),
    id: orderIdFor(innerId),
    innerId,
    orderStatus: statusLink(history.status),
  });

  test('order_confirm and order_status_change keys equal the delivered item’s', () => {
    const delivered = OrderItemSchema.parse(capturedOrder);
    const recovered = recoverOrderEvents(
      'demo',
      apiOrder,
      [historyEntry('9', history.status, history.dateAdded)],
      ALL,
    );
    expect(recovered[0]?.dedupeKey).toBe(dedupeKey('demo', 'order_confirm', delivered));
    const later = recoverOrderEvents(
      'demo',
      apiOrder,
      [historyEntry('1', '0', '2025-12-01 20:00:00'), historyEntry('9', history.status, history.dateAdded)],
      ALL,
    );
    expect(later.find((e) => e.event === 'order_status_change')?.dedupeKey).toBe(
      dedupeKey('demo', 'order_status_change', delivered),
    );
    expect(recovered[0]?.item.innerResourceId).toBe(capturedOrder.innerResourceId);
  });

  // The order's products, read from its `orderProducts` link (`GET /orderProducts?orderId=`), whose items
  // are assumed to carry the delivery's orderProduct fields by the same names (A52), beside href, id, links.
  const capturedProducts = (capturedOrder.orderProducts as { orderProduct: Record<string, unknown>[] })
    .orderProduct;
  const apiProducts = OrderProductCollectionSchema.parse({
    items: capturedProducts.map(({ innerResourceId, ...fields }) => {
      const id = String(innerResourceId).replace('orderProducts/', '');
      return {
        href: `https://shopname.api.myshoprenter.hu/orderProducts/${id}`,
        id,
        ...fields,
        order: { href: `https://shopname.api.myshoprenter.hu/orders/${orderIdFor(innerId)}` },
      };
    }),
  }).items as OrderProductEntry[];

  test('with its products read, every event carries them as the delivery does; the keys do not change', () => {
    const delivered = OrderItemSchema.parse(capturedOrder);
    const statuses = [
      historyEntry('1', history.status, history.dateAdded),
      historyEntry('2', '5', '2025-12-02 08:00:00'),
    ];
    const withProducts = recoverOrderEvents('demo', apiOrder, statuses, ALL, { products: apiProducts });
    const without = recoverOrderEvents('demo', apiOrder, statuses, ALL);
    expect(withProducts.map((e) => [e.event, e.dedupeKey])).toEqual(
      without.map((e) => [e.event, e.dedupeKey]),
    );
    expect(withProducts.map((e) => e.event)).toEqual(['order_confirm', 'order_status_change']);
    for (const event of withProducts) expect(event.item.orderProducts).toEqual(delivered.orderProducts);
    for (const event of without) expect(event.item).not.toHaveProperty('orderProducts');
    const [first] = orderProductsFromApi(apiProducts);
    expect(first).not.toHaveProperty('href');
    expect(first).not.toHaveProperty('id');
    expect(first).not.toHaveProperty('order');
    // An order the shop lists no products for: an empty list, not a missing block.
    expect(
      recoverOrderEvents('demo', apiOrder, statuses, ALL, { products: [] })[0]?.item.orderProducts,
    ).toEqual({
      orderProduct: [],
    });
  });

  test("with its currency read, the order's currency is its code, as the delivery carries it (A53)", () => {
    const delivered = OrderItemSchema.parse(capturedOrder);
    expect(currencyIdOfOrder(documentedOrder)).toBe('Y3VycmVuY3ktY3VycmVuY3lfaWQ9NA==');
    expect(currencyIdOfOrder({ ...documentedOrder, currency: null })).toBeUndefined();
    const statuses = [historyEntry('1', history.status, history.dateAdded)];
    const [withCode] = recoverOrderEvents('demo', apiOrder, statuses, ALL, { currencyCode: 'HUF' });
    expect(withCode?.item.currency).toBe(delivered.currency);
    expect(withCode?.dedupeKey).toBe(recoverOrderEvents('demo', apiOrder, statuses, ALL)[0]?.dedupeKey);
    expect(recoverOrderEvents('demo', apiOrder, statuses, ALL)[0]?.item).not.toHaveProperty('currency');
  });
});

describe('API subscriber → delivery shape', () => {
  const documented = NewsletterSubscriberSchema.parse(
    readFixtureJson('api/newsletter_subscriber/response_json_get_id.json'),
  );

  test('maps the documented subscriber and gets the key of the same delivery', () => {
    const item = subscriberItemFromApi(documented);
    expect(item).toEqual({
      id: '1',
      firstname: 'Teszt',
      lastname: 'Teszt',
      email: 'teszt@wteszt.hu',
      phone: '36303336699',
      status: '1',
      hash: '2d0d067ac341a580c894b254417195c7',
      language: '1',
      subscribe_date: '2015-06-15 11:35:48',
    });
    // The same subscriber as the shop delivers it (wire form of deliveries/newsletter_subscribe.json).
    const delivered = SubscriberSchema.parse({
      id: '1',
      firstname: 'Teszt',
      lastname: 'Teszt',
      email: 'teszt@wteszt.hu',
      phone: '36303336699',
      status: 1,
      language: '1',
      hash: '2d0d067ac341a580c894b254417195c7',
      subscribe_date: '2015-06-15 11:35:48',
    });
    const [event] = recoverSubscriberEvents('demo', documented, ALL);
    expect(event?.dedupeKey).toBe(dedupeKey('demo', 'newsletter_subscribe', delivered));
  });

  test('an unsubscribed subscriber gives nothing (unsubscribes cannot be recovered)', () => {
    expect(recoverSubscriberEvents('demo', { ...documented, status: '0' }, ALL)).toEqual([]);
    expect(recoverSubscriberEvents('demo', documented, new Set(['order_confirm']))).toEqual([]);
  });
});

describe('shop-local time (Europe/Budapest, assumed)', () => {
  test.each([
    ['2025-12-01 20:57:40', '2025-12-01T19:57:40.000Z'],
    ['2025-07-01T12:00:00', '2025-07-01T10:00:00.000Z'],
    ['2026-03-29 03:30:00', '2026-03-29T01:30:00.000Z'],
  ])('%s is %s', (local, utc) => {
    expect(parseShopDateTime(local)?.toISOString()).toBe(utc);
  });

  test('formats and parses back to the same second', () => {
    const instant = new Date('2026-10-25T00:30:07.000Z');
    expect(shopDateTime(instant)).toBe('2026-10-25 02:30:07');
    expect(shopApiDateTime(instant)).toBe('2026-10-25T02:30:07');
    expect(parseShopDateTime(shopApiDateTime(instant))?.getTime()).toBe(instant.getTime());
    expect(parseShopDateTime('yesterday')).toBeUndefined();
  });

  test('in the hour the clock is turned back, the earlier or the later instant', () => {
    expect(parseShopDateTime('2026-10-25 02:30:00')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(parseShopDateTime('2026-10-25 02:30:00', 'later')?.toISOString()).toBe('2026-10-25T01:30:00.000Z');
    expect(parseShopDateTime('2026-10-25 12:30:00', 'later')?.toISOString()).toBe('2026-10-25T11:30:00.000Z');
  });

  test.each([
    // 02:15 summer time: 45 minutes later the wall clock reads 02:00 (winter time).
    ['2026-10-25T00:15:00.000Z', '2026-10-25T01:15:00'],
    ['2026-10-25T00:59:59.000Z', '2026-10-25T01:59:59'],
    // From the change on, and on other days, the wall time itself.
    ['2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00'],
    ['2026-10-24T23:00:00.000Z', '2026-10-25T01:00:00'],
    ['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00'],
  ])('a search from %s starts at wall time %s', (instant, floor) => {
    expect(shopApiDateTimeFloor(new Date(instant))).toBe(floor);
  });

  // Every `srhooks` command is a fresh process importing this package: building the formatter loads
  // the time zone data (about 20 ms), so it is built on the first format, never at import.
  test('importing the module builds no date formatter; the first format builds one, later ones reuse it', async () => {
    const original = Intl.DateTimeFormat;
    let made = 0;
    Intl.DateTimeFormat = new Proxy(original, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made += 1;
        return new target(...args);
      },
    });
    try {
      vi.resetModules();
      const fresh = await import('./shop-time.js');
      expect(made).toBe(0);
      expect(fresh.shopDateTime(new Date('2026-10-25T00:30:07.000Z'))).toBe('2026-10-25 02:30:07');
      expect(fresh.shopApiDateTime(new Date('2025-07-01T10:00:00.000Z'))).toBe('2025-07-01T12:00:00');
      expect(made).toBe(1);
    } finally {
      Intl.DateTimeFormat = original;
      vi.resetModules();
    }
  });
});

describe('order search schemas', () => {
  test('the documented order page parses; search params check the documented formats', () => {
    expect(
      OrderCollectionSchema.parse(readFixtureJson('api/order/response_json_get_page.json')).items,
    ).toHaveLength(5);
    expect(
      OrderSearchParamsSchema.parse({ updatedAtMin: '2013-01-01T10:30:00', limit: 200, full: 1 }),
    ).toEqual({
      updatedAtMin: '2013-01-01T10:30:00',
      limit: 200,
      full: 1,
    });
    expect(OrderSearchParamsSchema.safeParse({ updatedAtMin: '2013-01-01 10:30' }).success).toBe(false);
    expect(OrderSearchParamsSchema.safeParse({ limit: 201 }).success).toBe(false);
    expect(OrderSearchParamsSchema.safeParse({ since: 'x' }).success).toBe(false);
  });
});
