import { describe, expect, it } from 'vitest';
import { meantName } from './meant-name.js';

describe('meantName: the name a typo meant', () => {
  it.each([
    ['erpp', ['erp', 'crm'], 'erp'],
    ['crn', ['erp', 'crm'], 'crm'],
    ['ORDER_CONFIRM', ['order_confirm'], 'order_confirm'],
    ['order_confrim', ['order_confirm', 'order_status_change'], 'order_confirm'],
    ['retries', ['retry', 'timeout'], 'retry'],
    ['orderproduct', ['order', 'orderProduct'], 'orderProduct'],
  ])('%j among %j: %j', (value, names, meant) => {
    expect(meantName(value, names)).toBe(meant);
  });

  it.each([
    ['nope', ['erp', 'crm']],
    ['x', ['erp']],
    ['webhook', ['shops']],
    ['anything', []],
  ])('%j among %j: none that close', (value, names) => {
    expect(meantName(value, names)).toBeUndefined();
  });

  it('of equally close names, the first', () => {
    expect(meantName('ab', ['ac', 'ad'])).toBe('ac');
  });
});
