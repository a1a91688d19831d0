import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { ProcessingConfigError } from './processing-errors.js';
import { parseRetryAfter } from './retry-after.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  describeRetrySchedule,
  nextRetry,
  retryScheduleFrom,
} from './retry-schedule.js';

const now = new Date('2026-07-01T12:00:00.000Z');
const middle = () => 0.5; // jitter factor exactly 1

describe('nextRetry with the default (Svix) schedule', () => {
  it.each([
    [1, 5_000],
    [2, 5 * 60_000],
    [3, 30 * 60_000],
    [4, 2 * 3_600_000],
    [5, 5 * 3_600_000],
    [6, 10 * 3_600_000],
    [7, 10 * 3_600_000],
  ])('after failure %i waits %i ms', (failures, expected) => {
    const decision = nextRetry(DEFAULT_RETRY_SCHEDULE, { failures, now, random: middle });
    expect(decision).toEqual({
      action: 'retry',
      delayMs: expected,
      retryAt: new Date(now.getTime() + expected),
    });
  });

  it('dead-letters after the eighth failed attempt', () => {
    expect(nextRetry(DEFAULT_RETRY_SCHEDULE, { failures: 8, now, random: middle })).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 8 attempts',
    });
  });

  it('spreads each delay by ±20 % jitter', () => {
    const low = nextRetry(DEFAULT_RETRY_SCHEDULE, { failures: 2, now, random: () => 0 });
    const high = nextRetry(DEFAULT_RETRY_SCHEDULE, { failures: 2, now, random: () => 0.999_999 });
    expect(low).toMatchObject({ delayMs: 240_000 });
    expect(high).toMatchObject({ delayMs: 360_000 });
  });

  it('never retries before Retry-After asks', () => {
    const decision = nextRetry(DEFAULT_RETRY_SCHEDULE, {
      failures: 1,
      now,
      random: middle,
      retryAfterMs: 90_000,
    });
    expect(decision).toMatchObject({ action: 'retry', delayMs: 90_000 });
  });

  it('keeps the schedule when Retry-After is shorter', () => {
    const decision = nextRetry(DEFAULT_RETRY_SCHEDULE, {
      failures: 3,
      now,
      random: middle,
      retryAfterMs: 1_000,
    });
    expect(decision).toMatchObject({ delayMs: 1_800_000 });
  });

  it('caps a huge Retry-After at maxRetryAfterMs (10 h)', () => {
    const decision = nextRetry(DEFAULT_RETRY_SCHEDULE, {
      failures: 1,
      now,
      random: middle,
      retryAfterMs: 365 * 86_400_000,
    });
    expect(decision).toMatchObject({ delayMs: 36_000_000 });
  });

  it('does not add attempts because of Retry-After', () => {
    const decision = nextRetry(DEFAULT_RETRY_SCHEDULE, { failures: 8, now, retryAfterMs: 1_000 });
    expect(decision.action).toBe('dead-letter');
  });

  it('describes itself in Svix terms', () => {
    expect(describeRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toBe('0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 7 ', 7_000],
    ['Wed, 01 Jul 2026 12:02:30 GMT', 150_000],
    ['Wed, 01 Jul 2026 11:00:00 GMT', 0],
  ])('%j → %i ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it.each([[undefined], [null], [''], ['-5'], ['1.5'], ['soon']])('%j → undefined', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('retryScheduleFrom (handler config)', () => {
  it('returns the default without options', () => {
    expect(retryScheduleFrom(undefined, 'handlers.erp.retry')).toBe(DEFAULT_RETRY_SCHEDULE);
  });

  it('reads delays as durations and keeps other defaults', () => {
    const schedule = retryScheduleFrom({ delays: ['1s', 250, '2m', '1d'], jitter: 0 }, 'handlers.erp.retry');
    expect(schedule).toEqual({
      delaysMs: [1_000, 250, 120_000, 86_400_000],
      jitter: 0,
      maxRetryAfterMs: 36_000_000,
    });
    expect(nextRetry(schedule, { failures: 5, now })).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 5 attempts',
    });
  });

  it('allows never retrying', () => {
    const schedule = retryScheduleFrom({ delays: [] }, 'x');
    expect(nextRetry(schedule, { failures: 1, now })).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 1 attempt',
    });
  });

  it.each([
    [
      { delays: ['5 parsecs'] },
      'handlers.erp.retry.delays[0] is "5 parsecs"; use milliseconds or a duration such as "5s", "5m", "2h", "1d"',
    ],
    [{ delays: '5s' }, 'handlers.erp.retry.delays must be a list of durations such as ["5s", "5m", "2h"]'],
    [{ jitter: 2 }, 'handlers.erp.retry.jitter must be a number from 0 (exact delays) to 1; 0.2 means ±20 %'],
    [
      { maxRetryAfter: 'forever' },
      'handlers.erp.retry.maxRetryAfter must be milliseconds or a duration such as "1h"',
    ],
  ])('rejects %j with a message naming the key', (input, message) => {
    expect(() => retryScheduleFrom(input as never, 'handlers.erp.retry')).toThrow(
      new ProcessingConfigError(message),
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [42, 42],
    ['5', null],
    [-1, null],
    ['h', null],
  ])('%j → %j', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});
