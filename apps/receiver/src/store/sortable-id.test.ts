import { describe, expect, it } from 'vitest';
import { isId, newId, parseId } from './sortable-id.js';

describe('newId', () => {
  it('is prefix + 26 lower-case Crockford base32 chars', () => {
    expect(newId('dlv')).toMatch(/^dlv_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('job', 0)).toMatch(/^job_0000000000[0-9a-hjkmnp-tv-z]{16}$/);
  });

  it('sorts by time, and by creation order within one millisecond', () => {
    const t = Date.parse('2026-03-02T10:00:00Z');
    const sameMs = Array.from({ length: 1000 }, () => newId('evt', t));
    expect([...sameMs].sort()).toEqual(sameMs);
    expect(new Set(sameMs).size).toBe(1000);
    expect(newId('evt', t + 1) > (sameMs.at(-1) ?? '')).toBe(true);
    expect(newId('evt', t - 1) < (sameMs[0] ?? '')).toBe(true);
  });

  it('encodes the time so the id order matches the time order across years', () => {
    const times = [
      0,
      1,
      31,
      32,
      Date.parse('2001-01-01'),
      Date.parse('2026-03-02'),
      Date.parse('2099-12-31'),
    ];
    const ids = times.map((time) => newId('dlv', time));
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('parseId / isId', () => {
  it('reads back the time of every id newId makes, of its own prefix only', () => {
    for (const time of [0, 1, Date.UTC(2025, 11, 1), 2 ** 48 - 1]) {
      const id = newId('dlv', time);
      expect(parseId(id, 'dlv')).toEqual({ time });
      expect(isId(id, 'evt')).toBe(false);
    }
    expect(isId(newId('job'), 'job')).toBe(true);
  });

  it.each([
    'dlv_zzzz',
    'dlv_0000000000000000000000000',
    'dlv_000000000000000000000000000',
    'dlv_0000000000000000000000000u',
    'dlv_80000000000000000000000000',
    'dlv_0000000000000000000000000A',
    'xdlv_00000000000000000000000000',
  ])('refuses %s', (value) => {
    expect(isId(value, 'dlv')).toBe(false);
  });
});
