import { describe, expect, it } from 'vitest';
import { IpAllowList, parseCidr } from './ip-allow-list.js';

describe('parseCidr', () => {
  it.each([
    ['203.0.113.0/24', { address: '203.0.113.0', prefix: 24, family: 'ipv4' }],
    ['198.51.100.7', { address: '198.51.100.7', prefix: 32, family: 'ipv4' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
  ])('reads %s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0/8', '10.0.0.0/', '10.0.0.0/x', ''])(
    'refuses %j',
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );
});

describe('IpAllowList', () => {
  const list = new IpAllowList(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);

  it.each([
    ['203.0.113.1', true],
    ['203.0.113.255', true],
    ['203.0.114.1', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['2001:db8::1', true],
    ['2001:db9::1', false],
    ['::ffff:203.0.113.9', true],
    ['::ffff:10.0.0.1', false],
    ['not-an-ip', false],
    [undefined, false],
  ])('%s allowed: %s', (address, allowed) => {
    expect(list.allows(address)).toBe(allowed);
  });

  it('throws on an invalid entry', () => {
    expect(() => new IpAllowList(['10.0.0.0/99'])).toThrow(/not an IPv4\/IPv6 address or CIDR/);
  });
});
