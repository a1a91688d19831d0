import { describe, expect, it } from 'vitest';
import {
  deliveryToken,
  isValidShopName,
  parseDeliveryPath,
  publicBaseUrlProblem,
  shopDeliveryUrlPrefix,
  signDeliveryPath,
  signDeliveryUrl,
  verifyDeliveryPath,
} from './receiver-path.js';

const secret = 'first-secret-0123456789abcdef';
const older = 'older-secret-0123456789abcdef';

describe('signed delivery paths', () => {
  it('builds /hooks/{shop}/{event}/{token} with a 256-bit base64url HMAC', () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
    expect(path).toMatch(/^\/hooks\/demo\/order_confirm\/[A-Za-z0-9_-]{43}$/);
    expect(path.endsWith(deliveryToken({ shop: 'demo', event: 'order_confirm' }, secret))).toBe(true);
    expect(deliveryToken({ shop: 'demo', event: 'order_confirm' }, secret)).not.toBe(
      deliveryToken({ shop: 'demo', event: 'order_status_change' }, secret),
    );
  });

  it('verifies with any accepted secret and says which one (rotation)', () => {
    const parsed = parseDeliveryPath(signDeliveryPath({ shop: 'demo', event: 'abandoned_cart' }, older));
    expect(parsed).not.toBeNull();
    expect(verifyDeliveryPath(parsed!, [secret, older])).toEqual({ ok: true, secretIndex: 1 });
    expect(verifyDeliveryPath(parsed!, [secret])).toEqual({ ok: false });
  });

  it.each([
    ['another shop', { shop: 'other', event: 'order_confirm' }],
    ['another event', { shop: 'demo', event: 'newsletter_subscribe' }],
    ['an unknown event', { shop: 'demo', event: 'order_paid' }],
    ['a malformed shop', { shop: 'Demo_Shop', event: 'order_confirm' }],
  ])('rejects the token used for %s', (_label, target) => {
    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, secret);
    expect(verifyDeliveryPath({ ...target, token }, [secret])).toEqual({ ok: false });
  });

  it('rejects tokens of the wrong shape without throwing', () => {
    expect(verifyDeliveryPath({ shop: 'demo', event: 'order_confirm', token: 'short' }, [secret])).toEqual({
      ok: false,
    });
    expect(
      verifyDeliveryPath({ shop: 'demo', event: 'order_confirm', token: 'é'.repeat(43) }, [secret]),
    ).toEqual({
      ok: false,
    });
  });

  it('parses paths under a prefix and ignores the query string', () => {
    expect(parseDeliveryPath('/base/hooks/demo/order_confirm/abc?x=1')).toEqual({
      shop: 'demo',
      event: 'order_confirm',
      token: 'abc',
    });
    expect(parseDeliveryPath('/hooks/demo/order_confirm')).toBeNull();
  });

  it('builds a full URL under a base that has a path', () => {
    const url = signDeliveryUrl(
      'https://hooks.example.com/srhooks/',
      { shop: 'demo', event: 'order_confirm' },
      secret,
    );
    expect(url).toMatch(
      /^https:\/\/hooks\.example\.com\/srhooks\/hooks\/demo\/order_confirm\/[A-Za-z0-9_-]{43}$/,
    );
  });

  it("a shop's delivery URL prefix is how signDeliveryUrl writes the base, whatever its spelling", () => {
    for (const base of [
      'https://hooks.example.com',
      'https://hooks.example.com/',
      'https://HOOKS.Example.com:443/srhooks//',
      'http://127.0.0.1:3000/a%20b/',
    ]) {
      const prefix = shopDeliveryUrlPrefix(base, 'demo');
      expect(prefix).toMatch(/\/hooks\/demo\/$/);
      for (const event of ['order_confirm', 'abandoned_cart'] as const)
        expect(signDeliveryUrl(base, { shop: 'demo', event }, secret).startsWith(prefix)).toBe(true);
      expect(
        signDeliveryUrl(base, { shop: 'demo2', event: 'order_confirm' }, secret).startsWith(prefix),
      ).toBe(false);
    }
    expect(shopDeliveryUrlPrefix('https://HOOKS.Example.com:443/srhooks//', 'demo')).toBe(
      'https://hooks.example.com/srhooks/hooks/demo/',
    );
    expect(() => shopDeliveryUrlPrefix('https://hooks.example.com/?x=1', 'demo')).toThrow(
      /has a query string/,
    );
    expect(() => shopDeliveryUrlPrefix('https://hooks.example.com', '-demo')).toThrow(/invalid shop name/);
  });

  it('refuses a base with a query string or a fragment instead of dropping it', () => {
    const target = { shop: 'demo', event: 'order_confirm' } as const;
    expect(() => signDeliveryUrl('https://hooks.example.com/base?x=1', target, secret)).toThrow(
      expect.objectContaining({
        code: 'invalid_public_url',
        message: expect.stringContaining(
          'public URL "https://hooks.example.com/base?x=1" has a query string (?x=1): delivery URLs are <publicUrl>/hooks/<shop>/<event>/<token>, and ShopRenter documents nothing about query strings on webhook URLs; remove the query (use a path prefix instead, e.g. https://hooks.example.com/base)',
        ),
      }),
    );
    expect(() => signDeliveryUrl('https://hooks.example.com/?', target, secret)).toThrow(
      /has a query string/,
    );
    expect(() => signDeliveryUrl('https://hooks.example.com/#top', target, secret)).toThrow(
      /has a fragment \(#top\), which is never sent to the receiver; remove it/,
    );
    expect(publicBaseUrlProblem('https://hooks.example.com/base/')).toBeNull();
    expect(publicBaseUrlProblem('ftp://hooks.example.com')).toMatch(/^must be an http\(s\) URL/);
  });

  it('refuses weak secrets and bad shop names when signing', () => {
    expect(() => signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, 'short')).toThrow(/at least 16/);
    expect(() => signDeliveryPath({ shop: '-demo', event: 'order_confirm' }, secret)).toThrow(
      /invalid shop name/,
    );
  });

  it.each([
    ['demo', true],
    ['my-shop-2', true],
    ['a', true],
    ['Demo', false],
    ['-x', false],
    ['x-', false],
    ['sh op', false],
    ['', false],
  ])('isValidShopName(%j) = %s', (name, expected) => {
    expect(isValidShopName(name)).toBe(expected);
  });
});
