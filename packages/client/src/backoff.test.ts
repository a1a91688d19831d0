import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs, retryDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it.each([
    [1, 0, 150],
    [1, 1, 300],
    [2, 0, 300],
    [3, 0.5, 900],
    [4, 1, 2400],
    [10, 0, 4000],
    [10, 1, 8000],
  ])('retry %i with random %f waits %i ms', (retry, random, expected) => {
    expect(backoffDelayMs(retry, {}, () => random)).toBe(expected);
  });

  it('uses the configured base and cap', () => {
    expect(backoffDelayMs(3, { baseDelayMs: 10, maxDelayMs: 25 }, () => 1)).toBe(25);
    expect(backoffDelayMs(2, { baseDelayMs: 10, maxDelayMs: 25 }, () => 0)).toBe(10);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['Thu, 01 Jan 2026 00:00:03 GMT', 3000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
  ])('reads %j as %i ms', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });

  it.each([[null], [undefined], [''], ['soon']])('ignores %j', (header) => {
    expect(parseRetryAfterMs(header, now)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After over backoff, capped at maxRetryAfterMs', () => {
    expect(retryDelayMs(1, '4', {}, { random: () => 0 })).toBe(4000);
    expect(retryDelayMs(1, '120', { maxRetryAfterMs: 5000 }, { random: () => 0 })).toBe(5000);
  });

  it('falls back to backoff without Retry-After', () => {
    expect(retryDelayMs(2, null, {}, { random: () => 1 })).toBe(600);
  });
});
