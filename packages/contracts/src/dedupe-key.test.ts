import { describe, expect, it } from 'vitest';
import { dedupeKey } from './dedupe-key.js';
import { InvalidShopNameError } from './errors.js';

const order = {
  innerId: '190',
  orderHistory: { status: '2', dateAdded: '2025-12-01 20:57:40' },
  total: 9945,
};

describe('dedupeKey', () => {
  it('uses the order innerId for order_confirm and abandoned_cart', () => {
    expect(dedupeKey('demo', 'order_confirm', order)).toBe('order:190');
    expect(dedupeKey('demo', 'abandoned_cart', { innerId: 7 })).toBe('order:7');
  });

  it('adds status and time for order_status_change', () => {
    expect(dedupeKey('demo', 'order_status_change', order)).toBe('order:190:status:2:at:2025-12-01 20:57:40');
    const later = { ...order, orderHistory: { status: '3', dateAdded: '2025-12-02 08:00:00' } };
    expect(dedupeKey('demo', 'order_status_change', later)).not.toBe(
      dedupeKey('demo', 'order_status_change', order),
    );
  });

  it('hashes newsletter items so updates differ and repeats match', () => {
    const subscriber = { id: '1', email: 'a@example.com', firstname: 'Éva' };
    const key = dedupeKey('demo', 'newsletter_update_subscriber', subscriber);
    expect(key).toMatch(/^subscriber:1:newsletter_update_subscriber:[0-9a-f]{64}$/);
    expect(
      dedupeKey('demo', 'newsletter_update_subscriber', {
        firstname: 'Éva',
        email: 'a@example.com',
        id: '1',
      }),
    ).toBe(key);
    expect(dedupeKey('demo', 'newsletter_update_subscriber', { ...subscriber, firstname: 'Eva' })).not.toBe(
      key,
    );
    expect(dedupeKey('demo', 'newsletter_subscribe', subscriber)).not.toBe(key);
  });

  it('falls back to a content hash when the id was not selected', () => {
    const a = dedupeKey('demo', 'order_confirm', { firstname: 'Ádám' });
    expect(a).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(dedupeKey('demo', 'order_confirm', { firstname: 'Ádám' })).toBe(a);
    expect(dedupeKey('demo', 'order_confirm', { firstname: 'Adam' })).not.toBe(a);
  });

  it('refuses an invalid shop name', () => {
    expect(() => dedupeKey('Demo Shop', 'order_confirm', order)).toThrow(InvalidShopNameError);
  });
});
