import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseMilliseconds } from './milliseconds-option.js';

describe('--timeout <ms>', () => {
  it('takes a positive whole number of milliseconds', () => {
    expect(parseMilliseconds('250')).toBe(250);
    expect(parseMilliseconds('30000')).toBe(30_000);
  });

  it.each([
    ['30s', 'must be a number of milliseconds, not text: write 30000 for "30s"'],
    ['1.5m', 'must be a number of milliseconds, not text: write 90000 for "1.5m"'],
    ['0', 'must be a positive whole number of milliseconds, e.g. 30000'],
    ['1.5', 'must be a whole number of milliseconds, e.g. 30000'],
    ['soon', 'must be a whole number of milliseconds, e.g. 30000'],
    ['99999999999999999999', 'must be a positive whole number of milliseconds, e.g. 30000'],
  ])('refuses %j saying what to write', (value, message) => {
    expect(() => parseMilliseconds(value)).toThrow(new InvalidArgumentError(message));
  });
});
