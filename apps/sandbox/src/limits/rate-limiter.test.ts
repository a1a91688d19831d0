import { describe, expect, it } from 'vitest';
import { SlidingWindowRateLimiter } from './rate-limiter.js';

describe('SlidingWindowRateLimiter', () => {
  it('allows 3 per second per key in a sliding window and does not count rejections', () => {
    let now = 10_000;
    const limiter = new SlidingWindowRateLimiter(3, 1000, () => now);
    expect([1, 2, 3, 4].map(() => limiter.tryAcquire('a'))).toEqual([true, true, true, false]);
    expect(limiter.tryAcquire('b')).toBe(true);
    now += 999;
    expect(limiter.tryAcquire('a')).toBe(false);
    now += 1; // the first three are now exactly one second old
    expect([
      limiter.tryAcquire('a'),
      limiter.tryAcquire('a'),
      limiter.tryAcquire('a'),
      limiter.tryAcquire('a'),
    ]).toEqual([true, true, true, false]);
  });

  it('charges a cost in one go or not at all', () => {
    const limiter = new SlidingWindowRateLimiter(3, 1000, () => 0);
    expect(limiter.tryAcquire('a', 2)).toBe(true);
    expect(limiter.tryAcquire('a', 2)).toBe(false);
    expect(limiter.tryAcquire('a', 1)).toBe(true);
  });
});
