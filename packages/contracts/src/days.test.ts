import { describe, expect, it } from 'vitest';
import { DaysInputError, MAX_DAYS, parseDays } from './days.js';

describe('parseDays', () => {
  it('reads 90, 90d and 90D, around spaces', () => {
    expect(parseDays('90')).toBe(90);
    expect(parseDays('90d')).toBe(90);
    expect(parseDays(' 90D ')).toBe(90);
    expect(parseDays('1')).toBe(1);
    expect(parseDays(String(MAX_DAYS))).toBe(MAX_DAYS);
  });

  it.each(['', ' ', '0', '0d', '-1', '1.5', '90 days', 'd', '90dd', String(MAX_DAYS + 1), '9999999'])(
    'refuses %j with a typed error saying what it takes',
    (text) => {
      let thrown: unknown;
      try {
        parseDays(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DaysInputError);
      expect(thrown).toMatchObject({
        code: 'invalid_days',
        message: expect.stringMatching(/^must be a number of days from 1 to 36500, e\.g\. 90 or 90d, got "/),
      });
    },
  );
});
