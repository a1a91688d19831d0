import { describe, expect, it } from 'vitest';
import { validateFields } from './catalogue/index.js';
import { DaysInputError, parseDays } from './days.js';
import { ContractsError } from './errors.js';
import { parseJsonText } from './json-syntax.js';
import { shopApiDateTime, shopApiDateTimeFloor, shopDateTime } from './recovery/index.js';

// What a JavaScript caller hands these helpers instead of what the types ask for — `process.env.X` of an
// unset variable, a string for a list, an ISO string for a Date — is a typed ContractsError with a code
// and what to give, never a bare TypeError / RangeError from inside.

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseDays', () => {
  it('undefined (an unset variable) is DaysInputError, not "Cannot read properties of undefined"', () => {
    const error = thrown(() => parseDays(undefined as unknown as string));
    expect(error).toBeInstanceOf(DaysInputError);
    expect((error as DaysInputError).message).toMatch(
      /must be a number of days from 1 to 36500, e\.g\. 90 or 90d, got "undefined"$/,
    );
  });

  it('a number is read as its text', () => {
    expect(parseDays(90 as unknown as string)).toBe(90);
  });
});

describe('validateFields', () => {
  it.each([
    ['a string', 'order_email', /got the string "order_email"/],
    ['undefined', undefined, /got undefined/],
    ['a list with a number', ['order_email', 5], /a value that is not a string/],
  ])('fields as %s: ContractsError invalid_input', (_n, fields, message) => {
    const error = thrown(() => validateFields('order_confirm', fields as unknown as string[]));
    expect(error).toBeInstanceOf(ContractsError);
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toMatch(/^fields must be a list of field names/);
    expect((error as ContractsError).message).toMatch(message);
  });
});

describe('shop-local time', () => {
  it.each([
    ['an Invalid Date', new Date('yesterday'), /got an Invalid Date$/],
    [
      'an ISO string',
      '2025-01-01T10:00:00Z',
      /got the string "2025-01-01T10:00:00Z" \(pass new Date\(…\)\)$/,
    ],
    ['undefined', undefined, /got undefined$/],
  ])('%s: ContractsError invalid_date from each formatter', (_n, date, message) => {
    for (const format of [shopDateTime, shopApiDateTime, shopApiDateTimeFloor]) {
      const error = thrown(() => format(date as Date));
      expect(error).toBeInstanceOf(ContractsError);
      expect((error as ContractsError).code).toBe('invalid_date');
      expect((error as ContractsError).message).toMatch(message);
    }
  });
});

describe('parseJsonText', () => {
  it('a value that is not text: ContractsError invalid_input naming the source', () => {
    const error = thrown(() => parseJsonText(undefined as unknown as string, 'srhooks.config.json'));
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toBe(
      'srhooks.config.json is not text (got undefined): read the file or variable as a string first',
    );
  });
});
