import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(Math.round(ms));
    },
  };
}

describe('TokenBucket', () => {
  it('spaces concurrent callers evenly at the refill rate, in call order', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ refillPerSecond: 3, capacity: 1, now: clock.now, sleep: clock.sleep });
    const waits = await Promise.all([
      bucket.take(),
      bucket.take(),
      bucket.take(),
      bucket.take(),
      bucket.take(),
    ]);
    expect(waits.map(Math.round)).toEqual([0, 333, 667, 1000, 1333]);
    expect(clock.sleeps).toEqual([333, 667, 1000, 1333]);
  });

  it('lets a burst of `capacity` through at once, then refills over time', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ refillPerSecond: 2, capacity: 3, now: clock.now, sleep: clock.sleep });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.waitTimeMs()).toBe(500);
    clock.advance(500);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(10_000);
    expect(bucket.waitTimeMs()).toBe(0);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('counts time that passed while callers waited', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ refillPerSecond: 4, now: clock.now, sleep: clock.sleep });
    expect(await bucket.take()).toBe(0);
    clock.advance(100);
    expect(await bucket.take()).toBe(150);
    clock.advance(1000);
    expect(await bucket.take()).toBe(0);
  });

  it('rejects a rate or capacity that cannot work', () => {
    expect(() => new TokenBucket({ refillPerSecond: 0 })).toThrow(
      /refillPerSecond must be a positive number/,
    );
    expect(() => new TokenBucket({ refillPerSecond: 3, capacity: 0.5 })).toThrow(
      /capacity must be at least 1/,
    );
  });
});
