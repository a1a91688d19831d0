import { DeliveryDecodeError } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { decodeFailureOf, STORED_VALUE_MAX_CHARS } from './quarantine-reason.js';

describe('decodeFailureOf: the value stored with a quarantined delivery', () => {
  it('keeps a short value as found (a string already cut to 200 characters by the decoder)', () => {
    const error = new DeliveryDecodeError('invalid_field', 'field', 'expected a number', {
      path: 'orders.order.0.total',
      value: { amount: 'twelve' },
    });
    expect(decodeFailureOf(error).detail).toEqual({
      part: 'field',
      path: 'orders.order.0.total',
      value: { amount: 'twelve' },
    });
  });

  it('keeps only the start of a large object found at the failed path, saying it was cut', () => {
    const products = Array.from({ length: 400 }, (_, i) => ({ name: `Termék ${i}`, sku: `SKU-${i}` }));
    const error = new DeliveryDecodeError('invalid_field', 'field', 'expected an object', {
      path: 'orders.order.0.orderProducts',
      value: products,
    });
    const stored = decodeFailureOf(error).detail?.value;
    expect(typeof stored).toBe('string');
    const json = JSON.stringify(products);
    expect(stored).toBe(
      `${json.slice(0, STORED_VALUE_MAX_CHARS)}… (cut: ${json.length} characters in all; the whole is in the raw body)`,
    );
  });
});
