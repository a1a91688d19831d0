import { isDocumentedErrorText } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { SandboxApiError } from '../../errors.js';
import { shopDateTime } from '../../simulator/shop-time.js';
import { orderSearch } from './order-search.js';

function errorOf(query: Record<string, string>): SandboxApiError {
  try {
    orderSearch(query, shopDateTime);
  } catch (error) {
    if (error instanceof SandboxApiError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(query)}`);
}

const datetime = (p: string) =>
  `The given datetime parameter: ${p} is invalid! Valid datetime format is 1990-01-01T00:00:00`;
const date = (p: string) => `The given date parameter: ${p} is invalid! Valid date format is 1990-01-01`;

describe('order search: malformed dates and datetimes answer the documented 40017 / 40009', () => {
  it.each([
    ['createdAtMin', '2026-12-03', 40009, datetime('createdAtMin')],
    ['createdAtMax', '2026-12-03 10:00:00', 40009, datetime('createdAtMax')],
    ['updatedAtMin', '2026-12-03 10:00:00', 40009, datetime('updatedAtMin')],
    ['updatedAtMax', '2026-12-03T10:00', 40009, datetime('updatedAtMax')],
    ['createdAt', '2026-12-03T00:00:00', 40017, date('createdAt')],
    ['updatedAt', '2026-13-45', 40017, date('updatedAt')],
    ['createdAt', 'yesterday', 40017, date('createdAt')],
  ])('%s=%s → 400/%d', (name, value, code, message) => {
    const error = errorOf({ [name]: value });
    expect({ status: error.status, innerCode: error.innerCode, message: error.message }).toEqual({
      status: 400,
      innerCode: code,
      message,
    });
    expect(isDocumentedErrorText(code as 40009 | 40017, message)).toBe(true);
    expect(error.hint).toContain(JSON.stringify(value));
  });

  it('accepts the documented forms', () => {
    expect(() =>
      orderSearch({ createdAtMin: '2013-01-01T10:30:00', updatedAt: '2013-01-01' }, shopDateTime),
    ).not.toThrow();
  });
});
