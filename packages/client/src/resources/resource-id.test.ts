import { describe, expect, it } from 'vitest';
import { resourceId } from './resource-id.js';

describe('resourceId', () => {
  it.each([
    ['b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
    ['orders/b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
    ['https://shop.api2.myshoprenter.hu/api/orders/b3JkZXItb3JkZXJfaWQ9Mw==', 'b3JkZXItb3JkZXJfaWQ9Mw=='],
  ])('reads %s as %s', (input, id) => {
    expect(resourceId(input, 'orders')).toBe(id);
  });

  it.each([
    ['', /is required/],
    [
      'webHooks/abc',
      /^id "webHooks\/abc" is not a path in orders \(expected orders\/<id>, or the id alone\)$/,
    ],
    ['orders/a b', /is not a valid orders id/],
  ])('refuses %j', (input, message) => {
    expect(() => resourceId(input, 'orders')).toThrow(message);
  });
});
