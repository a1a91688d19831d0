import { describe, expect, it } from 'vitest';
import { assertSecureUrl, assertShopName, isLoopbackHost, resolveUrlTemplate } from './endpoint-urls.js';
import { InputError } from './errors.js';

describe('resolveUrlTemplate', () => {
  it('fills {shop} everywhere and drops a trailing slash', () => {
    expect(resolveUrlTemplate('https://{shop}.api2.myshoprenter.hu/api/', 'my-shop', 'apiUrl')).toBe(
      'https://my-shop.api2.myshoprenter.hu/api',
    );
    expect(resolveUrlTemplate('http://127.0.0.1:4000/{shop}/app/token', 'demo', 'tokenUrl')).toBe(
      'http://127.0.0.1:4000/demo/app/token',
    );
  });
});

describe('assertSecureUrl', () => {
  it.each([
    'https://example.com/hooks',
    'http://127.0.0.1:3000/x',
    'http://127.10.0.5/x',
    'http://localhost:8080/',
    'http://[::1]:9000/',
    'http://app.localhost/',
  ])('accepts %s', (url) => {
    expect(assertSecureUrl(url, 'url').href).toBe(new URL(url).href);
  });

  it.each([
    ['http://example.com/hooks', /uses plain http:\/\/: use https:\/\//],
    ['http://10.0.0.1/hooks', /only allowed to loopback/],
    ['ftp://example.com/', /must be an https:\/\/ URL/],
    ['/relative/path', /is not an absolute URL/],
  ])('refuses %s', (url, message) => {
    expect(() => assertSecureUrl(url, 'apiUrl')).toThrow(InputError);
    expect(() => assertSecureUrl(url, 'apiUrl')).toThrow(message);
  });

  it('tells loopback hosts apart', () => {
    expect([isLoopbackHost('127.0.0.1'), isLoopbackHost('LOCALHOST'), isLoopbackHost('128.0.0.1')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('assertShopName', () => {
  it('accepts ShopRenter names and refuses others with a hint', () => {
    expect(assertShopName('my-shop2')).toBe('my-shop2');
    expect(() => assertShopName('My Shop')).toThrow(
      /invalid shop name "My Shop": use the shop's ShopRenter name/,
    );
    expect(() => assertShopName(undefined)).toThrow(InputError);
  });
});
