import { describe, expect, it } from 'vitest';
import { NEWSLETTER_EVENTS, ORDER_EVENTS } from '../events.js';
import type { NewsletterEnvelopeInput, OrdersEnvelopeInput } from '../schemas/delivery.js';
import { decodeDelivery } from './decode-delivery.js';
import { DeliveryEncodeError } from './delivery-encode-error.js';
import { encodeDelivery } from './encode-delivery.js';
import { boundaryOf, readCapturedRequest, readSamplePayload } from './test-support/captured-deliveries.js';

const CAPTURES = [
  { event: 'order_confirm', json: 'order_confirm.json', http: 'order_confirm.multipart.http' },
  {
    event: 'newsletter_subscribe',
    json: 'newsletter_subscribe.json',
    http: 'newsletter_subscribe.multipart.http',
  },
] as const;

describe('encodeDelivery golden: the captured ShopRenter wire format', () => {
  for (const capture of CAPTURES) {
    it(`${capture.event}: JSON body equals ${capture.http} byte for byte`, () => {
      const captured = readCapturedRequest(capture.http);
      const boundary = boundaryOf(captured.headers['content-type']);
      const payload = readSamplePayload(capture.json) as OrdersEnvelopeInput | NewsletterEnvelopeInput;

      const encoded = encodeDelivery(capture.event, payload, { format: 'json', boundary });

      expect(Number(captured.headers['content-length'])).toBe(captured.body.length);
      expect(encoded.contentType).toBe(captured.headers['content-type']);
      expect(encoded.body.length).toBe(captured.body.length);
      expect(encoded.body.toString('latin1')).toBe(captured.body.toString('latin1'));
      expect(encoded.body.equals(captured.body)).toBe(true);
    });

    it(`${capture.event}: XML delivery matches its golden file`, async () => {
      const captured = readCapturedRequest(capture.http);
      const payload = readSamplePayload(capture.json) as OrdersEnvelopeInput | NewsletterEnvelopeInput;
      const encoded = encodeDelivery(capture.event, payload, {
        format: 'xml',
        boundary: boundaryOf(captured.headers['content-type']),
      });
      await expect(encoded.body.toString('utf8')).toMatchFileSnapshot(
        `__snapshots__/${capture.event}.xml.multipart`,
      );
    });
  }

  it('escapes like PHP in the data field: \\/ and \\u00fa', () => {
    const payload = readSamplePayload('order_confirm.json') as OrdersEnvelopeInput;
    const { data } = encodeDelivery('order_confirm', payload, { format: 'json', boundary: 'x' });
    expect(data).toContain('"innerResourceId":"orders\\/b3JkZXItb3JkZXJfaWQ9MTkw"');
    expect(data).toContain('"shippingZoneName":"Hajd\\u00fa-Bihar"');
    expect(data).toContain('"shippingNetPrice":970.0714');
    expect(data).toContain('"couponGrossPrice":null');
  });

  it('picks a fresh curl-style boundary when none is given', () => {
    const payload = readSamplePayload('newsletter_subscribe.json') as NewsletterEnvelopeInput;
    const first = encodeDelivery('newsletter_subscribe', payload, { format: 'json' });
    const second = encodeDelivery('newsletter_subscribe', payload, { format: 'json' });
    const boundary = boundaryOf(first.contentType);
    expect(boundary).toMatch(/^-{24}[0-9a-f]{16}$/);
    expect(boundaryOf(second.contentType)).not.toBe(boundary);
    expect(first.body.subarray(0, boundary.length + 4).toString()).toBe(`--${boundary}\r\n`);
    expect(first.body.subarray(-(boundary.length + 6)).toString()).toBe(`--${boundary}--\r\n`);
  });

  it('quotes a boundary that is not a header token', () => {
    const payload = readSamplePayload('newsletter_subscribe.json') as NewsletterEnvelopeInput;
    const encoded = encodeDelivery('newsletter_subscribe', payload, { format: 'json', boundary: 'a b:c' });
    expect(encoded.contentType).toBe('multipart/form-data; boundary="a b:c"');
    const decoded = decodeDelivery({
      event: 'newsletter_subscribe',
      contentType: encoded.contentType,
      body: encoded.body,
    });
    expect(decoded.subscribers[0]?.email).toBe('Test@shoprenter.hu');
  });
});

describe('encodeDelivery refuses what it cannot send', () => {
  const orders = readSamplePayload('order_confirm.json') as OrdersEnvelopeInput;
  const newsletter = readSamplePayload('newsletter_subscribe.json') as NewsletterEnvelopeInput;

  it.each(ORDER_EVENTS)('a newsletter envelope for order event %s is wrong_envelope', (event) => {
    const error = captureError(() => encodeDelivery(event, newsletter, { format: 'json' }));
    expect(error).toBeInstanceOf(DeliveryEncodeError);
    expect(error).toMatchObject({ code: 'wrong_envelope' });
    expect((error as Error).message).toContain('{"orders":{"order":[…]}}');
  });

  it.each(NEWSLETTER_EVENTS)('an orders envelope for newsletter event %s is wrong_envelope', (event) => {
    expect(captureError(() => encodeDelivery(event, orders, { format: 'xml' }))).toMatchObject({
      code: 'wrong_envelope',
      message: expect.stringContaining('<newsletter><subscriber>…</subscriber></newsletter>'),
    });
  });

  it('a boundary that occurs in the document is invalid_boundary', () => {
    const tricky = structuredClone(orders) as { orders: { order: Array<Record<string, unknown>> } };
    (tricky.orders.order[0] as Record<string, unknown>).comment = 'see --sep below';
    expect(
      captureError(() => encodeDelivery('order_confirm', tricky, { format: 'json', boundary: 'sep' })),
    ).toMatchObject({
      code: 'invalid_boundary',
      message: expect.stringContaining('contains the boundary'),
    });
  });

  it('a malformed boundary is invalid_boundary', () => {
    expect(
      captureError(() =>
        encodeDelivery('order_confirm', orders, { format: 'json', boundary: 'x'.repeat(71) }),
      ),
    ).toMatchObject({
      code: 'invalid_boundary',
    });
  });

  it('NaN in JSON and a control character in XML are not_encodable, naming the field', () => {
    const broken = structuredClone(orders) as { orders: { order: Array<Record<string, unknown>> } };
    (broken.orders.order[0] as Record<string, unknown>).total = Number.NaN;
    expect(captureError(() => encodeDelivery('order_confirm', broken, { format: 'json' }))).toMatchObject({
      code: 'not_encodable',
      path: 'orders.order[0].total',
    });
    (broken.orders.order[0] as Record<string, unknown>).total = '9945';
    (broken.orders.order[0] as Record<string, unknown>).comment = 'bell\u0007';
    expect(captureError(() => encodeDelivery('order_confirm', broken, { format: 'xml' }))).toMatchObject({
      code: 'not_encodable',
      path: 'orders.order[0].comment',
    });
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
