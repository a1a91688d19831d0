import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import { NewsletterEnvelopeSchema, OrderItemSchema, OrdersEnvelopeSchema } from './delivery.js';
import { LooseNumberSchema } from './loose.js';

describe('delivery payload schemas', () => {
  it('parses the captured order_confirm delivery and exposes amounts as numbers', () => {
    const envelope = OrdersEnvelopeSchema.parse(readFixtureJson('deliveries/order_confirm.json'));
    const order = envelope.orders.order[0];
    expect(order?.innerId).toBe('190');
    expect(order?.shippingZoneName).toBe('Hajdú-Bihar');
    expect(order?.total).toBe(9945);
    expect(order?.totalGross).toBe(11206);
    expect(order?.shippingNetPrice).toBe(970.0714);
    expect(order?.paymentGrossPrice).toBe(0);
    expect(order?.couponGrossPrice).toBeNull();
    expect(order?.orderHistory).toEqual({
      status: '1',
      statusText: 'Pending',
      comment: '',
      dateAdded: '2025-12-01 20:57:40',
    });
    const product = order?.orderProducts?.orderProduct[0];
    expect(product).toMatchObject({
      sku: '996000004',
      price: 945,
      taxRate: 27,
      quantity: 1,
      currency: 'HUF',
    });
    expect(product?.volume?.volumeUnit).toEqual([
      { unit: 'cm', language: 'hu' },
      { unit: 'cm', language: 'en' },
    ]);
  });

  it('parses the captured newsletter delivery', () => {
    const envelope = NewsletterEnvelopeSchema.parse(readFixtureJson('deliveries/newsletter_subscribe.json'));
    expect(envelope.newsletter.subscriber).toEqual([
      {
        id: '1',
        firstname: 'Test',
        lastname: 'Peter',
        email: 'Test@shoprenter.hu',
        phone: '+36201234567',
        status: '1',
        language: '1',
        hash: 'b53807cef8e6582bc95c31f4b5ac17f8',
        subscribe_date: '2023-01-20 11:11:11',
      },
    ]);
  });

  it('keeps unknown fields, at the top and nested', () => {
    const item = OrderItemSchema.parse({
      innerId: 5,
      brandNewField: { a: 1 },
      orderProducts: { orderProduct: [{ sku: 'x', futureFlag: true }] },
    });
    expect(item.innerId).toBe('5');
    expect(item.brandNewField).toEqual({ a: 1 });
    expect(item.orderProducts?.orderProduct[0]).toMatchObject({ sku: 'x', futureFlag: true });
  });

  it('tolerates missing optional fields, empty blocks and a single product object', () => {
    const item = OrderItemSchema.parse({
      orderHistory: '',
      orderProducts: { orderProduct: { sku: 'solo' } },
    });
    expect(item.orderHistory).toBeUndefined();
    expect(item.orderProducts?.orderProduct).toEqual([{ sku: 'solo' }]);
  });

  it('accepts a single order object where a list is expected', () => {
    const envelope = OrdersEnvelopeSchema.parse({ orders: { order: { innerId: '7' } } });
    expect(envelope.orders.order).toEqual([{ innerId: '7' }]);
  });

  it('reports a non-numeric amount with its path', () => {
    const result = OrdersEnvelopeSchema.safeParse({
      orders: { order: [{ orderProducts: { orderProduct: [{ quantity: 'lots' }] } }] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([
      'orders',
      'order',
      0,
      'orderProducts',
      'orderProduct',
      0,
      'quantity',
    ]);
    expect(result.error?.issues[0]?.message).toContain('expected a number');
  });

  it('rejects the wrong envelope', () => {
    expect(OrdersEnvelopeSchema.safeParse({ order: [{}] }).success).toBe(false);
    expect(NewsletterEnvelopeSchema.safeParse({ orders: { order: [] } }).success).toBe(false);
  });

  it.each([
    ['9945', 9945],
    [' 27.0000 ', 27],
    ['27,5', 27.5],
    [970.0714, 970.0714],
    ['', null],
    [null, null],
    ['-12', -12],
  ])('LooseNumberSchema reads %j as %j', (input, expected) => {
    expect(LooseNumberSchema.parse(input)).toBe(expected);
  });
});
