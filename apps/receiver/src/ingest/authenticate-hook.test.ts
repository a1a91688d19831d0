import { deliveryToken } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { authenticateHook, HookAuthenticator } from './authenticate-hook.js';

const NEW = 'new-secret-0123456789abcdef';
const OLD = 'old-secret-0123456789abcdef';

describe('authenticateHook', () => {
  const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, NEW);
  it.each([
    [
      { shop: 'demo', event: 'order_confirm', token },
      { ok: true, shop: 'demo', event: 'order_confirm', secretIndex: 0 },
    ],
    [
      {
        shop: 'demo',
        event: 'order_confirm',
        token: deliveryToken({ shop: 'demo', event: 'order_confirm' }, OLD),
      },
      { ok: true, shop: 'demo', event: 'order_confirm', secretIndex: 1 },
    ],
    [
      { shop: 'Demo', event: 'order_confirm', token },
      { ok: false, reason: 'bad_shop' },
    ],
    [
      { shop: 'demo', event: 'order_paid', token },
      { ok: false, reason: 'unknown_event' },
    ],
    [
      { shop: 'demo', event: 'abandoned_cart', token },
      { ok: false, reason: 'bad_token' },
    ],
    [
      { shop: 'other', event: 'order_confirm', token },
      { ok: false, reason: 'bad_token' },
    ],
    [
      { shop: 'demo', event: 'order_confirm', token: token.slice(1) },
      { ok: false, reason: 'bad_token' },
    ],
  ])('%j → %j', (params, expected) => {
    expect(authenticateHook(params, [NEW, OLD])).toEqual(expected);
  });
});

describe('HookAuthenticator', () => {
  it('answers remembered URLs like fresh ones and never remembers a failure', () => {
    const authenticator = new HookAuthenticator([NEW]);
    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, NEW);
    const good = { shop: 'demo', event: 'order_confirm', token };
    const forged = { shop: 'demo', event: 'order_confirm', token: `${token.slice(0, -1)}A` };
    for (let round = 0; round < 3; round++) {
      expect(authenticator.authenticate(good)).toEqual({
        ok: true,
        shop: 'demo',
        event: 'order_confirm',
        secretIndex: 0,
      });
      expect(authenticator.authenticate(forged)).toEqual({ ok: false, reason: 'bad_token' });
    }
  });

  it('keeps working after its memory filled up', () => {
    const authenticator = new HookAuthenticator([NEW]);
    const shops = Array.from({ length: 5000 }, (_, index) => `shop-${index}`);
    for (const shop of shops) {
      const token = deliveryToken({ shop, event: 'order_confirm' }, NEW);
      expect(authenticator.authenticate({ shop, event: 'order_confirm', token }).ok).toBe(true);
    }
    const first = deliveryToken({ shop: 'shop-0', event: 'order_confirm' }, NEW);
    expect(authenticator.authenticate({ shop: 'shop-0', event: 'order_confirm', token: first }).ok).toBe(
      true,
    );
  });
});
