import { describe, expect, it } from 'vitest';
import { parseLookBack, parseTime } from './time.js';

describe('parseTime', () => {
  it.each([
    ['2025-12-01', '2025-12-01T00:00:00.000Z'],
    ['2025-12-01T20:57', '2025-12-01T20:57:00.000Z'],
    ['2025-12-01 20:57:40', '2025-12-01T20:57:40.000Z'],
    ['2025-12-01T20:57:40.123456789Z', '2025-12-01T20:57:40.123Z'],
    ['2025-12-01T20:57:40+0100', '2025-12-01T19:57:40.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('reads %s (no zone = UTC)', (text, iso) => {
    expect(parseTime(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2025-02-30',
    '2025-02-29',
    '2025-13-01',
    '2025-12-01T20:57:40.1234567890Z',
    '2025-12-01T25:00',
    'yesterday',
    '',
  ])('refuses %j', (text) => {
    expect(parseTime(text)).toBeNull();
  });
});

describe('parseLookBack', () => {
  it('reads minutes, hours and days; anything else is no look-back', () => {
    expect(parseLookBack('90m')).toBe(90 * 60_000);
    expect(parseLookBack(' 2D ')).toBe(2 * 86_400_000);
    expect(parseLookBack('0m')).toBe(0);
    expect(parseLookBack('2025-12-01')).toBeNull();
    expect(parseLookBack('5s')).toBeNull();
  });
});
