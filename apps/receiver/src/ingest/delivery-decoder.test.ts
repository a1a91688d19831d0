/**
 * Large bodies are decoded on a worker thread (issue #14 §5): the result is the one contracts'
 * decodeDelivery gives in place, errors keep their code, part, path and value, and the main thread
 * keeps turning while a large body decodes (decoded in place, it would not turn once).
 */
import {
  type DecodedOrderDelivery,
  DeliveryDecodeError,
  decodeDelivery,
  encodeDelivery,
  sampleOrder,
} from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryDecoder, OFF_THREAD_MIN_BYTES } from './delivery-decoder.js';

function largeOrderDelivery(comment: string) {
  const order = { ...sampleOrder(5), innerId: '5005', comment };
  return encodeDelivery('order_confirm', { orders: { order: [order] } }, { format: 'json' });
}

describe('DeliveryDecoder', () => {
  const decoder = new DeliveryDecoder();
  afterAll(async () => {
    await decoder.close();
  });

  it('decodes a large body on its thread to what decodeDelivery gives in place', async () => {
    const { contentType, body } = largeOrderDelivery('Szállítás előtt hívjon! '.repeat(40_000));
    expect(body.length).toBeGreaterThan(OFF_THREAD_MIN_BYTES);
    const input = { event: 'order_confirm' as const, contentType, body, limits: { maxBytes: 4_000_000 } };
    const decoded = (await decoder.decode(input)) as DecodedOrderDelivery;
    const inPlace = decodeDelivery(input);
    expect(decoded.orders).toEqual(inPlace.orders);
    expect(decoded.format).toBe(inPlace.format);
    expect(decoder.stats().offThread).toBe(1);
  });

  it('decodes a usual body in place', async () => {
    const { contentType, body } = largeOrderDelivery('short');
    await decoder.decode({ event: 'order_confirm', contentType, body });
    expect(decoder.stats().offThread).toBe(1);
  });

  it('rejects with the decode error as thrown on the thread', async () => {
    const order = {
      ...sampleOrder(6),
      innerId: '6006',
      comment: 'x'.repeat(OFF_THREAD_MIN_BYTES),
      total: 'lots',
    };
    const body = Buffer.from(JSON.stringify({ orders: { order: [order] } }));
    const error = await decoder
      .decode({
        event: 'order_confirm',
        contentType: 'application/json',
        body,
        limits: { maxBytes: 4_000_000 },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeliveryDecodeError);
    expect(error).toMatchObject({
      code: 'invalid_field',
      part: 'field',
      path: 'orders.order[0].total',
      value: 'lots',
    });
  });

  it('leaves the main thread free while a large body decodes', async () => {
    const { contentType, body } = largeOrderDelivery('Kérem, hívjon előtte. '.repeat(120_000));
    let turns = 0;
    let decoding = true;
    const spin = (): void => {
      if (!decoding) return;
      turns += 1;
      setImmediate(spin);
    };
    setImmediate(spin);
    await decoder.decode({ event: 'order_confirm', contentType, body, limits: { maxBytes: 8_000_000 } });
    decoding = false;
    expect(turns).toBeGreaterThan(0);
  });

  it('ends its thread when idle and starts it again for the next large body', async () => {
    const idle = new DeliveryDecoder({ idleMs: 50 });
    try {
      const { contentType, body } = largeOrderDelivery('x'.repeat(OFF_THREAD_MIN_BYTES));
      const input = { event: 'order_confirm' as const, contentType, body, limits: { maxBytes: 4_000_000 } };
      await idle.decode(input);
      expect(idle.threadRunning).toBe(true);
      for (let i = 0; i < 100 && idle.threadRunning; i++) await new Promise((r) => setTimeout(r, 20));
      expect(idle.threadRunning).toBe(false);
      await idle.decode(input);
      expect(idle.stats().offThread).toBe(2);
    } finally {
      await idle.close();
    }
  });
});
