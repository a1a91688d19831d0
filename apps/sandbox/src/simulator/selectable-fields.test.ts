import { createHash } from 'node:crypto';
import { fieldsForEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';
import { shippingModeInnerId } from './shipping-mode.js';

type Json = Record<string, unknown>;

/** Every value at a catalogue payload path (`a.b[].c`); a `[]` list must not be empty. */
function valuesAt(value: unknown, path: string): { found: unknown[]; missing: string | undefined } {
  let current: unknown[] = [value];
  for (const segment of path.split('.')) {
    const list = segment.endsWith('[]');
    const key = list ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const node of current) {
      if (typeof node !== 'object' || node === null || !(key in node)) return { found: [], missing: segment };
      const child = (node as Json)[key];
      if (!list) next.push(child);
      else {
        const items = Array.isArray(child) ? child : [child];
        if (items.length === 0) return { found: [], missing: `${segment} (empty)` };
        next.push(...items);
      }
    }
    current = next;
  }
  return { found: current, missing: undefined };
}

describe('every selectable field of every event arrives when selected (the field catalogue)', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  const trigger: Record<WebhookEvent, () => Promise<unknown>> = {
    order_confirm: () => sb.simulator.placeOrder('demo', { seed: 'all-fields' }),
    order_status_change: async () => {
      const { order } = await sb.simulator.placeOrder('demo', { seed: 'all-fields-status' });
      return sb.simulator.changeStatus('demo', order.innerId ?? '', '2');
    },
    abandoned_cart: () => sb.simulator.abandonCart('demo', { seed: 'all-fields-cart' }),
    newsletter_subscribe: () => sb.simulator.subscribe('demo', { seed: 'all-fields' }),
    newsletter_unsubscribe: () => sb.simulator.unsubscribe('demo'),
    newsletter_update_subscriber: () =>
      sb.simulator.updateSubscriber('demo', { subscriber: { firstname: 'Új' } }),
  };

  it.each(WEBHOOK_EVENTS)('%s: each available field is present in the delivery', async (event) => {
    const fields = fieldsForEvent(event);
    const created = await sb.api('POST', '/webHooks', {
      body: webhookBody('http://127.0.0.1:9/all', {
        event,
        webHookParameters: [
          { type: 'json', url: 'http://127.0.0.1:9/all', fields: fields.map((f) => f.field) },
        ],
      }),
    });
    expect(created.status, created.text).toBe(201);
    await trigger[event]();
    await sb.simulator.waitForIdle();
    const delivery = sb.simulator
      .deliveries('demo')
      .filter((d) => d.event === event)
      .at(-1);
    const document = JSON.parse(delivery?.data ?? '{}');
    const item = document.orders?.order?.[0] ?? document.newsletter?.subscriber?.[0];
    const missing = fields
      .map((f) => [f.field, valuesAt(item, f.payloadPath).missing] as const)
      .filter(([, where]) => where !== undefined);
    expect(missing).toEqual([]);
    await sb.api('DELETE', `/webHooks/${created.json().id}`);
  });

  it('generates the extra fields from the order’s own data', async () => {
    const { order } = await sb.simulator.placeOrder('demo', {
      seed: 'consistent',
      order: { paymentMethodName: 'Bankkártyás fizetés (SimplePay)' },
    });
    const full = sb.simulator.orders('demo').find((o) => o.innerId === order.innerId) as Json;
    expect(full.email_hash).toBe(
      createHash('sha256').update(String(order.email).toLowerCase()).digest('hex'),
    );
    expect(full.shippingId).toBe(shippingModeInnerId(full));
    expect(full).toMatchObject({
      shippingCountryIsoCode2: 'HU',
      paymentCountryIsoCode3: 'HUN',
      paymentMethodCode: 'SIMPLEPAY',
    });
    expect(full.expectedDeliveryDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((full.orderCreditCard as Json).transactionId).toMatch(/^\d{12}$/);
    const products = (full.orderProducts as { orderProduct: Json[] }).orderProduct;
    for (const product of products) {
      expect(Number(product.grossPrice)).toBeCloseTo(Number(product.price) * 1.27, 3);
      expect(product.gtin).toMatch(/^\d{13}$/);
    }
    // The default set (no `fields`) stays the captured delivery's keys.
    expect(Object.keys(order)).not.toContain('email_hash');
  });
});
