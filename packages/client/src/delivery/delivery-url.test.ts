import { parseDeliveryPath, verifyDeliveryPath } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { buildDeliveryUrl } from './delivery-url.js';

const secret = 'a-very-long-receiver-secret-0123456789';

describe('buildDeliveryUrl', () => {
  it('signs /hooks/{shop}/{event}/{token} under the base URL (keeping its path)', () => {
    const url = buildDeliveryUrl({
      baseUrl: 'https://hooks.example.com/app/',
      shop: 'demo',
      event: 'order_confirm',
      secret,
    });
    expect(url).toMatch(
      /^https:\/\/hooks\.example\.com\/app\/hooks\/demo\/order_confirm\/[A-Za-z0-9_-]{43}$/,
    );
    const parsed = parseDeliveryPath(new URL(url).pathname);
    expect(parsed && verifyDeliveryPath(parsed, [secret])).toEqual({ ok: true, secretIndex: 0 });
  });

  it.each([
    [{ baseUrl: 'http://hooks.example.com' }, /plain http/],
    [{ shop: 'Demo Shop' }, /not a valid ShopRenter shop name/],
    [{ event: 'order_paid' }, /allowed: order_confirm/],
    [{ secret: 'short' }, /secret is 5 characters; a receiver secret needs at least 16/],
    // an unset variable or a secret of the wrong type is said so (it was "too short"), never quoted
    [
      { secret: undefined },
      /secret is undefined: is the environment variable that should hold this receiver secret set\?$/,
    ],
    [{ secret: Buffer.from(secret) }, /secret is a Buffer, not a string.*toString\(\)/],
    [{ secret: 12345678901234 }, /secret is a number, not a string/],
    // a query string or fragment is refused (the receiver's publicUrl rule), never dropped from the URL
    [{ baseUrl: 'https://hooks.example.com/app?x=1' }, /has a query string \(\?x=1\)/],
    [{ baseUrl: 'https://hooks.example.com/#x' }, /has a fragment \(#x\)/],
  ])('refuses %j', (override, message) => {
    const input = {
      baseUrl: 'https://hooks.example.com',
      shop: 'demo',
      event: 'order_confirm' as const,
      secret,
      ...override,
    };
    expect(() => buildDeliveryUrl(input as never)).toThrow(InputError);
    expect(() => buildDeliveryUrl(input as never)).toThrow(message);
  });

  it('a secret of the wrong type is missing_secret / invalid_input naming the field, never quoting it', () => {
    const base = { baseUrl: 'https://hooks.example.com', shop: 'demo', event: 'order_confirm' as const };
    for (const [value, code] of [
      [undefined, 'missing_secret'],
      [Buffer.from(secret), 'invalid_input'],
    ] as const) {
      let caught: unknown;
      try {
        buildDeliveryUrl({ ...base, secret: value as never });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as InputError).code).toBe(code);
      expect((caught as InputError).field).toBe('secret');
      expect((caught as InputError).message).not.toContain(secret);
    }
  });

  it('names baseUrl when the base URL has a query string', () => {
    expect(() =>
      buildDeliveryUrl({
        baseUrl: 'https://hooks.example.com/?x=1',
        shop: 'demo',
        event: 'order_confirm',
        secret,
      }),
    ).toThrow(expect.objectContaining({ field: 'baseUrl', code: 'invalid_url' }));
  });
});
