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

describe('resourceId with the client’s shop: an href of another shop', () => {
  it.each([
    ['https://other.api2.myshoprenter.hu/api/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==', 'other'],
    ['http://other.api.shoprenter.hu/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==', 'other'],
    ['http://127.0.0.1:8787/other/api/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==', 'other'],
  ])('%s is refused, naming both shops', (href, owner) => {
    expect(() => resourceId(href, 'webHooks', 'id', 'demo')).toThrow(
      `is an href of shop "${owner}", but this client is for shop "demo": use that shop's client`,
    );
  });

  it.each([
    'https://demo.api2.myshoprenter.hu/api/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==',
    'https://DEMO.api.myshoprenter.hu/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==',
    'https://proxy.example.com/shoprenter/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==',
  ])('%s (this shop, or a host that names no shop) is read', (href) => {
    expect(resourceId(href, 'webHooks', 'id', 'demo')).toBe('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==');
  });
});
