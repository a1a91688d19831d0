import { describe, expect, it } from 'vitest';
import { CredentialThrottle, throttleKey } from './credential-throttle.js';

function throttle(options: { maxFailures?: number; windowMs?: number; maxAddresses?: number } = {}) {
  let now = 1_000_000;
  const instance = new CredentialThrottle({ maxFailures: 3, windowMs: 60_000, ...options, now: () => now });
  return {
    instance,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('CredentialThrottle', () => {
  it('blocks an address after maxFailures within the window, until the oldest failure leaves it', () => {
    const { instance, advance } = throttle();
    instance.fail('203.0.113.1');
    advance(10_000);
    instance.fail('203.0.113.1');
    expect(instance.retryAfterMs('203.0.113.1')).toBe(0);
    advance(10_000);
    instance.fail('203.0.113.1');
    // Failures at 0 s, 10 s, 20 s: blocked until the first is 60 s old.
    expect(instance.retryAfterMs('203.0.113.1')).toBe(40_000);
    expect(instance.retryAfterMs('203.0.113.2')).toBe(0);
    advance(39_999);
    expect(instance.retryAfterMs('203.0.113.1')).toBe(1);
    advance(1);
    expect(instance.retryAfterMs('203.0.113.1')).toBe(0);
    // One more failure now: three inside the window again (10 s ago, 20 s … and now).
    instance.fail('203.0.113.1');
    expect(instance.retryAfterMs('203.0.113.1')).toBe(10_000);
  });

  it('forgets failures older than the window and clears an address on success', () => {
    const { instance, advance } = throttle();
    instance.fail('a');
    instance.fail('a');
    advance(60_000);
    instance.fail('a');
    expect(instance.retryAfterMs('a')).toBe(0);
    instance.fail('a');
    instance.fail('a');
    expect(instance.retryAfterMs('a')).toBeGreaterThan(0);
    instance.succeed('a');
    expect(instance.retryAfterMs('a')).toBe(0);
    expect(instance.size).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the one that failed longest ago', () => {
    const { instance } = throttle({ maxFailures: 1, maxAddresses: 3 });
    for (const address of ['a', 'b', 'c']) instance.fail(address);
    instance.fail('a'); // a is now the most recent
    instance.fail('d'); // evicts b
    expect(instance.size).toBe(3);
    expect(instance.retryAfterMs('b')).toBe(0);
    for (const address of ['a', 'c', 'd']) expect(instance.retryAfterMs(address)).toBeGreaterThan(0);
  });

  it('is off with maxFailures 0: never blocks, remembers nothing', () => {
    const { instance } = throttle({ maxFailures: 0 });
    for (let i = 0; i < 100; i++) instance.fail('a');
    expect(instance.retryAfterMs('a')).toBe(0);
    expect(instance.size).toBe(0);
  });

  it('counts an IPv6 address by its /64 and an IPv4-mapped address as its IPv4', () => {
    expect(throttleKey('2001:db8:1:2:a::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleKey('64:ff9b::203.0.113.9')).toBe('64:ff9b:0:0::/64');
    expect(throttleKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(throttleKey('203.0.113.9')).toBe('203.0.113.9');

    const { instance } = throttle({ maxFailures: 2 });
    instance.fail('2001:db8:1:2::a');
    instance.fail('2001:db8:1:2::b');
    expect(instance.retryAfterMs('2001:db8:1:2::c')).toBeGreaterThan(0);
    expect(instance.retryAfterMs('2001:db8:1:3::a')).toBe(0);
  });
});
