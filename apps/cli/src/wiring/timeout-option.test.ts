import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseTimeout, timeoutText } from './timeout-option.js';

describe('--timeout <duration> (every command)', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['250', 250],
    ['30000', 30_000],
    [' 10s ', 10_000],
  ])('takes %j as %d ms', (value, ms) => {
    expect(parseTimeout(value)).toBe(ms);
  });

  it.each([
    ['30', 'a bare number is milliseconds: write 30s for 30 seconds (or 30ms if milliseconds are meant)'],
    ['0.5', 'a bare number is milliseconds: write 0.5s for 0.5 seconds'],
    ['0', 'must be more than 0, e.g. 30s'],
    ['0s', 'must be more than 0, e.g. 30s'],
    ['2h', 'must be at most 1h, got 2h'],
    ['99999999', 'must be at most 1h, got 99999999ms'],
    ['soon', 'must be a duration such as 30s, 500ms or 2m (a bare number is milliseconds), got "soon"'],
    ['-1s', 'must be a duration such as 30s, 500ms or 2m (a bare number is milliseconds), got "-1s"'],
  ])('refuses %j saying what to write', (value, message) => {
    expect(() => parseTimeout(value)).toThrow(new InvalidArgumentError(message));
  });

  it('names a time limit as --timeout takes it', () => {
    expect(timeoutText(10_000)).toBe('10s');
    expect(timeoutText(250)).toBe('250ms');
  });
});
