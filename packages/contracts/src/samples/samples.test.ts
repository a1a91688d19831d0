import { describe, expect, it } from 'vitest';
import { readSamplePayload } from '../codec/test-support/captured-deliveries.js';
import { NEWSLETTER_EVENTS, ORDER_EVENTS, WEBHOOK_EVENTS } from '../events.js';
import { OrderItemSchema, SubscriberSchema } from '../schemas/delivery.js';
import { TOWNS } from './hungarian-data.js';
import { sampleOrder, samplePayload, sampleSubscriber } from './index.js';

/** Every key path of a JSON value, list items merged (`orderProducts.orderProduct[].sku`). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value))
    return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))].sort();
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .flatMap(([key, member]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        return [path, ...keyPaths(member, path)];
      })
      .sort();
  }
  return [];
}

const capturedOrder = (readSamplePayload('order_confirm.json') as { orders: { order: unknown[] } }).orders
  .order[0];
const capturedSubscriber = (
  readSamplePayload('newsletter_subscribe.json') as { newsletter: { subscriber: unknown[] } }
).newsletter.subscriber[0];
const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

describe('sampleOrder', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(sampleOrder(42)).toEqual(sampleOrder(42));
    expect(sampleOrder('szabo-adam')).toEqual(sampleOrder('szabo-adam'));
    expect(sampleOrder()).toEqual(sampleOrder(1));
    expect(sampleOrder(42)).not.toEqual(sampleOrder(43));
    expect(new Set(SEEDS.map((seed) => sampleOrder(seed).innerId)).size).toBeGreaterThan(55);
  });

  it.each(SEEDS.slice(0, 10))('seed %i has exactly the key set and nesting of the captured order', (seed) => {
    expect(keyPaths(sampleOrder(seed))).toEqual(keyPaths(capturedOrder));
  });

  it('ids are consistent: innerResourceId = orders/ + base64(order-order_id=<innerId>)', () => {
    for (const seed of SEEDS) {
      const order = sampleOrder(seed);
      const [kind, encoded] = (order.innerResourceId ?? '').split('/');
      expect(kind).toBe('orders');
      expect(Buffer.from(encoded ?? '', 'base64').toString()).toBe(`order-order_id=${order.innerId}`);
      for (const product of order.orderProducts?.orderProduct ?? []) {
        const [productKind, productEncoded] = (product.innerResourceId ?? '').split('/');
        expect(productKind).toBe('orderProducts');
        expect(Buffer.from(productEncoded ?? '', 'base64').toString()).toBe(
          `orderProduct-order_product_id=${product.innerId}`,
        );
      }
      expect(order.shippingInnerResourceId).toMatch(/^shippingModeExtend\/[A-Za-z0-9+/=]+$/);
    }
  });

  it('totals follow the documented rule for every seed', () => {
    for (const seed of SEEDS) {
      const order = sampleOrder(seed);
      const lines = order.orderProducts?.orderProduct ?? [];
      const total = lines.reduce((sum, line) => sum + (line.price ?? 0) * (line.quantity ?? 0), 0);
      const tax = Math.round(
        lines.reduce((sum, line) => sum + ((line.price ?? 0) * (line.quantity ?? 0) * 27) / 100, 0),
      );
      expect(order.total).toBe(total);
      expect(order.taxPrice).toBe(tax);
      expect(order.totalGross).toBe(
        total +
          tax +
          (order.shippingGrossPrice ?? 0) +
          (order.paymentGrossPrice ?? 0) -
          (order.couponGrossPrice ?? 0),
      );
      expect(order.shippingNetPrice).toBeCloseTo((order.shippingGrossPrice ?? 0) / 1.27, 4);
      expect(order.couponGrossPrice === null).toBe(order.couponCode === '');
    }
  });

  it('has 1-4 distinct products with HUF prices, 27% tax and quantity 1-3, and real Hungarian places', () => {
    const counts = new Set<number>();
    for (const seed of SEEDS) {
      const order = sampleOrder(seed);
      const lines = order.orderProducts?.orderProduct ?? [];
      counts.add(lines.length);
      expect(new Set(lines.map((line) => line.sku)).size).toBe(lines.length);
      for (const line of lines) {
        expect(line.currency).toBe('HUF');
        expect(line.taxRate).toBe(27);
        expect(Number.isInteger(line.price)).toBe(true);
        expect(line.quantity).toBeGreaterThanOrEqual(1);
        expect(line.quantity).toBeLessThanOrEqual(3);
      }
      for (const [city, zone, postcode] of [
        [order.shippingCity, order.shippingZoneName, order.shippingPostcode],
        [order.paymentCity, order.paymentZoneName, order.paymentPostcode],
      ]) {
        const town = TOWNS.find((t) => t.city === city);
        expect(town?.zone).toBe(zone);
        expect(town?.postcodes).toContain(postcode);
      }
      expect(order.currency).toBe('HUF');
      expect(order.languageCode).toBe('hu');
      expect(order.email).toMatch(/^[a-z]+\.[a-z]+\d+@example\.(com|net|org)$/);
      expect(order.phone).toMatch(/^\+36(20|30|70)\d{7}$/);
      expect(order.orderHistory?.dateAdded).toMatch(/^2025-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    expect([...counts].sort()).toEqual([1, 2, 3, 4]);
  });

  it('is already in decoded form: the schema gives it back unchanged', () => {
    for (const seed of SEEDS.slice(0, 20)) {
      const order = sampleOrder(seed);
      expect(OrderItemSchema.parse(order)).toStrictEqual(order);
    }
  });
});

describe('sampleSubscriber and samplePayload', () => {
  it('subscriber: deterministic, captured key set, decoded form', () => {
    expect(sampleSubscriber(5)).toEqual(sampleSubscriber(5));
    expect(sampleSubscriber(5)).not.toEqual(sampleSubscriber(6));
    expect(keyPaths(sampleSubscriber(5))).toEqual(keyPaths(capturedSubscriber));
    expect(SubscriberSchema.parse(sampleSubscriber(5))).toStrictEqual(sampleSubscriber(5));
    expect(sampleSubscriber(5).hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('uses the right envelope for every event', () => {
    for (const event of ORDER_EVENTS) {
      const payload = samplePayload(event, 9);
      expect(Object.keys(payload)).toEqual(['orders']);
      expect(payload.orders.order).toHaveLength(1);
    }
    for (const event of NEWSLETTER_EVENTS) {
      const payload = samplePayload(event, 9);
      expect(Object.keys(payload)).toEqual(['newsletter']);
      expect(payload.newsletter.subscriber).toHaveLength(1);
    }
    expect(WEBHOOK_EVENTS.map((event) => JSON.stringify(samplePayload(event, 9)))).toEqual(
      WEBHOOK_EVENTS.map((event) => JSON.stringify(samplePayload(event, 9))),
    );
  });

  it('order_confirm is a new order; order_status_change moves the same order on', () => {
    for (const seed of SEEDS.slice(0, 20)) {
      const confirmed = samplePayload('order_confirm', seed).orders.order[0];
      const changed = samplePayload('order_status_change', seed).orders.order[0];
      expect(confirmed?.orderHistory?.status).toBe('1');
      expect(changed?.innerId).toBe(confirmed?.innerId);
      expect(changed?.orderHistory?.status).not.toBe('1');
      expect(changed?.orderHistory?.statusText).not.toBe(confirmed?.orderHistory?.statusText);
      expect(changed?.orderHistory?.dateAdded).toBe(confirmed?.orderHistory?.dateAdded);
    }
  });

  it('newsletter_unsubscribe has status "0", the other newsletter events "1"', () => {
    expect(samplePayload('newsletter_unsubscribe', 3).newsletter.subscriber[0]?.status).toBe('0');
    expect(samplePayload('newsletter_subscribe', 3).newsletter.subscriber[0]?.status).toBe('1');
    expect(samplePayload('newsletter_update_subscriber', 3).newsletter.subscriber[0]?.id).toBe(
      samplePayload('newsletter_unsubscribe', 3).newsletter.subscriber[0]?.id,
    );
  });
});
