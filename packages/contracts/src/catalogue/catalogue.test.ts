import { describe, expect, it } from 'vitest';
import { FieldNotAvailableError, InvalidEventError } from '../errors.js';
import { WEBHOOK_EVENTS } from '../events.js';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import {
  FIELD_CATALOGUE,
  fieldInfo,
  fieldPayloadPath,
  fieldsForEvent,
  projectItem,
  validateFields,
} from './index.js';

interface SharedFields {
  fields: { field: string; events: string[]; label: string }[];
}
const shared = readFixtureJson<SharedFields>('fields.json');
const sample = readFixtureJson<{ orders: { order: Record<string, unknown>[] } }>(
  'deliveries/order_confirm.json',
);
const order = sample.orders.order[0] as Record<string, unknown>;

describe('FIELD_CATALOGUE', () => {
  it('holds every row of the shared fields.json with the same events and labels', () => {
    expect(FIELD_CATALOGUE).toHaveLength(106);
    expect(
      FIELD_CATALOGUE.map(({ field, events, label }) => ({ field, events: [...events], label })),
    ).toEqual(shared.fields);
  });

  it.each(WEBHOOK_EVENTS)('lists the same fields for %s as the shared data', (event) => {
    const expected = shared.fields.filter((row) => row.events.includes(event)).map((row) => row.field);
    expect(fieldsForEvent(event).map((info) => info.field)).toEqual(expected);
  });

  it.each([
    ['order_firstname', 'firstname', 'order'],
    ['order_email_hash', 'email_hash', 'order'],
    ['order_cart_token', 'cart_token', 'order'],
    ['orderHistory_status', 'orderHistory.status', 'orderHistory'],
    ['orderProduct_sku', 'orderProducts.orderProduct[].sku', 'orderProduct'],
    ['orderProduct_volume', 'orderProducts.orderProduct[].volume', 'orderProduct'],
    [
      'orderProductOption_valueName',
      'orderProducts.orderProduct[].orderProductOptions.orderProductOption[].valueName',
      'orderProductOption',
    ],
    ['orderProductExtra', 'orderProducts.orderProduct[].orderProductExtra', 'orderProductExtra'],
    ['orderProductAddon', 'orderProductAddons', 'orderProductAddon'],
    ['orderCreditCard_transactionId', 'orderCreditCard.transactionId', 'orderCreditCard'],
    ['subscriber_subscribe_date', 'subscribe_date', 'subscriber'],
  ])('maps %s to payload path %s', (field, path, group) => {
    expect(fieldPayloadPath(field)).toBe(path);
    expect(fieldInfo(field)?.group).toBe(group);
  });

  it('maps every order_* field of the captured delivery onto a key that delivery really has', () => {
    const orderKeys = new Set(Object.keys(order));
    const mapped = FIELD_CATALOGUE.filter(
      (info) => info.group === 'order' && orderKeys.has(info.payloadPath),
    );
    expect(mapped.length).toBeGreaterThanOrEqual(40);
  });
});

describe('validateFields', () => {
  it('accepts fields available for the event', () => {
    expect(() => validateFields('order_confirm', ['order_innerId', 'orderProduct_sku'])).not.toThrow();
    expect(() => validateFields('newsletter_subscribe', ['subscriber_email'])).not.toThrow();
  });

  it('rejects an order field on a newsletter event and names the allowed fields', () => {
    let error: unknown;
    try {
      validateFields('newsletter_subscribe', ['subscriber_email', 'order_email']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FieldNotAvailableError);
    const typed = error as FieldNotAvailableError;
    expect(typed.code).toBe('field_not_available');
    expect(typed.fields).toEqual(['order_email']);
    expect(typed.allowed).toContain('subscriber_email');
    expect(typed.allowed).toHaveLength(9);
    expect(typed.message).toContain('"order_email" not available for event newsletter_subscribe');
    expect(typed.message).toContain('subscriber_hash');
  });

  it('rejects a field only available for order_confirm on abandoned_cart', () => {
    expect(() => validateFields('abandoned_cart', ['order_expectedDeliveryDate'])).toThrow(/not available/);
    expect(() => validateFields('order_confirm', ['order_expectedDeliveryDate'])).not.toThrow();
  });

  it('rejects unknown field names and unknown events', () => {
    expect(() => validateFields('order_confirm', ['order_nope'])).toThrow(FieldNotAvailableError);
    expect(() => validateFields('order_paid', [])).toThrow(InvalidEventError);
  });
});

describe('projectItem', () => {
  it('returns the item unchanged without fields', () => {
    expect(projectItem('order_confirm', order)).toBe(order);
    expect(projectItem('order_confirm', order, [])).toBe(order);
  });

  it('keeps only the selected fields, in payload shape', () => {
    const projected = projectItem('order_confirm', order, [
      'order_innerId',
      'order_firstname',
      'orderHistory_status',
      'orderProduct_sku',
      'orderProduct_quantity',
    ]);
    expect(projected).toEqual({
      innerId: '190',
      firstname: 'Test',
      orderHistory: { status: '1' },
      orderProducts: {
        orderProduct: [
          { sku: '996000004', quantity: '1' },
          { sku: 'TTA1234', quantity: '1' },
        ],
      },
    });
  });

  it('copies a whole block selected as one field', () => {
    const projected = projectItem('order_confirm', order, ['orderProduct_weight']);
    const products = (projected.orderProducts as { orderProduct: Record<string, unknown>[] }).orderProduct;
    expect(products[0]).toEqual({
      weight: {
        weight: '0.00',
        weightUnit: [
          { unit: 'kg', language: 'hu' },
          { unit: 'kg', language: 'en' },
        ],
      },
    });
  });

  it('refuses fields that are not available for the event', () => {
    expect(() => projectItem('abandoned_cart', order, ['order_customerId'])).toThrow(FieldNotAvailableError);
  });
});
