/**
 * A delivery the receiver spooled while its store was unavailable shows, beside its arrival, when it
 * entered the store (`storedAt`); one stored as it arrived shows only its arrival.
 */
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { newId } from '../store/sortable-id.js';
import { deliveryPageFixture } from './test-support/delivery-page.js';

describe('inspector: a delivery drained from the spool', () => {
  const fixture = deliveryPageFixture();

  it('shows when it was stored beside when it arrived', async () => {
    const { receiver, page } = fixture;
    const receivedAt = new Date('2026-12-06T21:00:00.000Z');
    const storedAt = new Date('2026-12-06T21:07:30.000Z');
    const encoded = encodeDelivery('order_confirm', { orders: { order: [sampleOrder(6301)] } } as never, {
      format: 'json',
    });
    const id = newId('dlv', receivedAt.getTime());
    await receiver.app.store.storeSpooled(
      {
        id,
        shop: 'demo',
        event: 'order_confirm',
        receivedAt,
        remoteAddress: '203.0.113.7',
        headers: { 'content-type': encoded.contentType },
        contentType: encoded.contentType,
        rawBody: Buffer.from(encoded.body),
      },
      { failure: { code: 'invalid_json', message: 'Unexpected end of JSON input' } },
      [],
      { now: storedAt },
    );
    expect(await page(id)).toContain(
      '<dt>Received</dt><dd><time datetime="2026-12-06T21:00:00.000Z">2026-12-06 21:00:00 UTC</time> · stored <time datetime="2026-12-06T21:07:30.000Z">2026-12-06 21:07:30 UTC</time>, from the spool (the store was unavailable when it came)</dd>',
    );
    const direct = await receiver.app.store.quarantine(
      {
        shop: 'demo',
        event: 'order_confirm',
        receivedAt,
        remoteAddress: '203.0.113.7',
        headers: {},
        contentType: encoded.contentType,
        rawBody: Buffer.from(encoded.body),
      },
      { code: 'invalid_json', message: 'Unexpected end of JSON input' },
    );
    expect(await page(direct.deliveryId)).toContain(
      '<dt>Received</dt><dd><time datetime="2026-12-06T21:00:00.000Z">2026-12-06 21:00:00 UTC</time></dd>',
    );
  });
});
