/** The ingest happy path on the real PostgreSQL: captured deliveries replayed over a raw socket. */
import { deliveryToken, encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryBody, deliveryRequest } from '../../test-support/delivery-fixtures.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { sendRaw } from '../../test-support/raw-http.js';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../../test-support/test-receiver.js';

describe('POST /hooks on PostgreSQL', () => {
  const schema = uniqueSchemaName();
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startTestReceiver({
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      handlers: { stdout: { type: 'log' } },
      shops: [{ name: 'demo', handlers: ['stdout'] }],
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await dropSchema(schema);
  });

  it('reports the PostgreSQL store as ready', async () => {
    const response = await fetch(`${receiver.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, store: 'postgres' });
  });

  it('stores the captured order_confirm, then records the replay as a duplicate', async () => {
    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const first = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(first.interim).toEqual([100]);
    expect(first.statusCode).toBe(200);
    const answer = JSON.parse(first.body);
    expect(answer).toEqual({ ok: true, deliveryId: expect.any(String), events: 1, duplicates: 0 });

    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(stored?.status).toBe('stored');
    expect(stored?.rawBody.equals(deliveryBody('order_confirm').body)).toBe(true);
    expect(stored?.headers['user-agent']).toBe('ShopRenter');
    const event = stored?.events[0];
    expect(event?.dedupeKey).toBe('order:190');
    expect(event?.payload).toMatchObject({
      innerId: '190',
      shippingZoneName: 'Hajdú-Bihar',
      paymentZoneName: 'Hajdú-Bihar',
      shippingNetPrice: 970.0714,
    });
    const detail = await receiver.app.store.getEvent(event?.id ?? '');
    expect(detail?.jobs.map((job) => [job.handler, job.status])).toEqual([['stdout', 'pending']]);

    const second = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ ok: true, events: 1, duplicates: 1 });
    const events = await receiver.app.store.listEvents({ shop: 'demo' });
    expect(events.items.filter((item) => item.duplicateOf === null)).toHaveLength(1);
  });

  it('stores the captured newsletter_subscribe', async () => {
    const token = deliveryToken({ shop: 'demo', event: 'newsletter_subscribe' }, TEST_SECRET);
    const response = await sendRaw(receiver.port, deliveryRequest('newsletter_subscribe', token));
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body);
    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(stored?.events[0]?.payload).toMatchObject({
      id: '1',
      email: 'Test@shoprenter.hu',
      firstname: 'Test',
    });
  });

  it('quarantines an undecodable delivery with its reason', async () => {
    const response = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
      method: 'POST',
      body: '{"orders":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { deliveryId: string; error: { code: string } };
    expect(answer.error.code).toBe('invalid_json');
    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(stored?.status).toBe('quarantined');
    expect(stored?.decodeError?.code).toBe('invalid_json');
    expect(stored?.decodeError?.detail).toEqual({ part: 'document' });
  });

  it('quarantines a bad field with its part, path and value; the 400 names the field, never the value', async () => {
    const order = {
      ...sampleOrder('pg-field'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: 'Kovács Éva, 1051 Budapest' }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const response = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
      method: 'POST',
      body: new Uint8Array(encoded.body),
      headers: { 'content-type': encoded.contentType },
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('Kovács');
    const answer = JSON.parse(text) as { deliveryId: string; error: Record<string, unknown> };
    expect(answer.error).toMatchObject({
      code: 'invalid_field',
      part: 'field',
      path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
    });
    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(stored?.decodeError?.detail).toEqual({
      part: 'field',
      path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
      value: 'Kovács Éva, 1051 Budapest',
    });
  });
});
