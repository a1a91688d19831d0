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
  fields: { field: string; events: string[]; label: string; meaning?: string }[];
  changelog: { date: string; fields: string[]; events: string[] | null }[];
  decisions: { topic: string; follows: string; why: string }[];
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
      FIELD_CATALOGUE.map(({ field, events, label, meaning }) => ({
        field,
        events: [...events],
        label,
        ...(meaning === undefined ? {} : { meaning }),
      })),
    ).toEqual(shared.fields);
  });

  it('keeps the documented label of orderProduct_grossPrice and adds its corrected meaning', () => {
    expect(fieldInfo('orderProduct_grossPrice')).toMatchObject({
      label: 'Net price of ordered product.',
      meaning: expect.stringMatching(/^Gross price of the ordered product\./),
    });
    expect(FIELD_CATALOGUE.filter((info) => info.meaning !== undefined)).toHaveLength(1);
  });

  it('has every field the 2024-2026 changelog added, for (at least) the events the changelog names', () => {
    const dates = shared.changelog.map((entry) => entry.date);
    expect(dates).toEqual([
      '2024.08.15',
      '2024.09.02',
      '2024.09.05',
      '2024.10.07',
      '2024.12.11',
      '2026.01.15',
      '2026.01.15',
    ]);
    for (const entry of shared.changelog) {
      for (const field of entry.fields) {
        const info = fieldInfo(field);
        expect(info, `${entry.date} ${field}`).toBeDefined();
        for (const event of entry.events ?? [])
          expect(info?.events, `${entry.date} ${field}`).toContain(event);
        // Where the changelog names no events, the fields table does: every one has at least one.
        expect(info?.events.length, field).toBeGreaterThan(0);
      }
    }
  });

  it('follows the fields table where the changelog contradicts it, as fields.json records', () => {
    expect(shared.decisions.map((d) => d.follows)).toEqual([
      'the fields table of api/webhook.md',
      'api/webhook.md: the path is /webHooks, the scopes are store.webhook:read (GET) and store.webhook:write (POST, PUT, DELETE)',
      'the events the fields table of api/webhook.md marks for them',
    ]);
    // Changelog 2022.01.10 says the opposite of the table for these two; the catalogue is the table.
    expect(fieldInfo('order_expectedDeliveryDate')?.events).toEqual(['order_confirm']);
    expect(fieldInfo('order_newsletterChecked')?.events).toEqual(['order_status_change']);
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
