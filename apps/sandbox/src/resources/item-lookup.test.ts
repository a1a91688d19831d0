import { orderIdFor, webhookIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

/**
 * Every resource's id may be an outer id the client chose (FACTS.md §9: "that id then works in
 * GET/PUT/DELETE"), so an id of the outer-id form is a well-formed id of any resource, not a
 * "wrong resource id": one that names no item is 404/40401 on every resource, as on webHooks
 * (assumptions.ts [A6]: GET/DELETE of an id that names no item). 40007 "The given resource id is
 * wrong" stays for another resource's API id.
 */
describe('GET of one item by an id that names nothing', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    await sb.simulator.placeOrder('demo');
  });
  afterAll(() => sb.close());

  it.each([
    ['webHooks', '/webHooks/erp-order-7'],
    ['orders', '/orders/erp-order-7'],
    ['orderHistories', '/orderHistories/erp-order-7'],
    ['newsletterSubscribers', '/newsletterSubscribers/erp-order-7'],
  ])('%s: an outer id no item has → 404/40401', async (resource, path) => {
    const res = await sb.api('GET', path);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 40401, message: `Resource not found! ${resource}/erp-order-7` });
  });

  const own = (text: string) => Buffer.from(text).toString('base64');
  it.each([
    ['webHooks', webhookIdFor(999)],
    ['orders', orderIdFor('999')],
    ['orderHistories', own('orderHistory-order_history_id=999')],
    ['newsletterSubscribers', own('newsletterSubscriber-subscriber_id=999')],
  ])('%s: its own API id that names nothing → 404/40401', async (resource, id) => {
    const res = await sb.api('GET', `/${resource}/${id}`);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 40401, message: `Resource not found! ${resource}/${id}` });
  });

  it.each([
    ['orders', `/orders/${webhookIdFor(1)}`, webhookIdFor(1)],
    ['orderHistories', `/orderHistories/${orderIdFor('1')}`, orderIdFor('1')],
    ['newsletterSubscribers', `/newsletterSubscribers/${orderIdFor('1')}`, orderIdFor('1')],
    ['webHooks', `/webHooks/${orderIdFor('1')}`, orderIdFor('1')],
  ])('%s: another resource’s API id → 400/40007', async (_resource, path, id) => {
    const res = await sb.api('GET', path);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 40007, message: `The given resource id is wrong: ${id}!` });
  });
});
