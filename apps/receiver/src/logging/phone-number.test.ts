import { describe, expect, it } from 'vitest';
import { HUNGARIAN_PHONE, PREFIXED_PHONE, phoneDigits } from './phone-number.js';

describe('phoneDigits', () => {
  it.each([
    ['+36 30 123 4567', '301234567'],
    ['+36301234567', '301234567'],
    ['0036 30 123 4567', '301234567'],
    ['06-30-123-4567', '301234567'],
    ['06301234567', '301234567'],
    ['36301234567', '301234567'],
    ['36-30-123-4567', '301234567'],
    ['30/123-4567', '301234567'],
    ['(30) 123 4567', '301234567'],
    ['301234567', '301234567'],
    ['+36 1 234 5678', '12345678'],
    ['06 1 234 5678', '12345678'],
    ['(1) 234-5678', '12345678'],
    // Eger's area code is 36: without a prefix the number has 8 digits and keeps it
    ['36 123 456', '36123456'],
    ['06 36 123 456', '36123456'],
    ['+36 36 123 456', '36123456'],
    ['+49 170 1234567', '00491701234567'],
    ['0049 170 1234567', '00491701234567'],
  ])('%s → %s', (phone, digits) => {
    expect(phoneDigits(phone)).toBe(digits);
  });

  it.each(['', '-', '12345', '+36 1'])('%j is no phone number', (phone) => {
    expect(phoneDigits(phone)).toBeNull();
  });
});

describe('phone patterns', () => {
  it.each([
    ['+36 30 123 4567', PREFIXED_PHONE],
    ['06-30-123-4567', PREFIXED_PHONE],
    ['36301234567', HUNGARIAN_PHONE],
    ['30/123-4567', HUNGARIAN_PHONE],
    ['(1) 234-5678', HUNGARIAN_PHONE],
    // The subscriber number in three groups (123-45-67), the way many Hungarians write it, and a slash
    // after the area code behind a prefix.
    ['06-30/123-45-67', PREFIXED_PHONE],
    ['+36 30/123 4567', PREFIXED_PHONE],
    ['30/123-45-67', HUNGARIAN_PHONE],
    ['36 30 123 45 67', HUNGARIAN_PHONE],
    ['(30) 123 45 67', HUNGARIAN_PHONE],
    ['1/234-56-78', HUNGARIAN_PHONE],
  ])('find %s whole', (phone, pattern) => {
    expect(`call ${phone} now`.match(new RegExp(pattern))?.[0]).toBe(phone);
  });

  it.each([
    '1001',
    '2024000123',
    'order 990301234567',
    'kovacs.eva06301234567@gmail.com',
    'on 06/12/2026',
    '2026-12-07 12:41:38',
  ])('leave %s alone', (text) => {
    expect(text.match(new RegExp(PREFIXED_PHONE))).toBeNull();
    expect(text.match(new RegExp(HUNGARIAN_PHONE))).toBeNull();
  });
});
