import { isDocumentedErrorText } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

// A collection asked with a query parameter it does not take answers the documented 40010 "The given
// parameter: {parameter} is not available!" (assumed occasion, A48): a typo such as `updatedAtMn` or
// an undocumented filter such as `event` must not answer the whole collection as if it had filtered.

describe('collections refuse query parameters they do not take (40010, A48)', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    await sb.simulator.placeOrder('demo', { seed: 1 });
    await sb.simulator.placeOrder('demo', { seed: 2 });
    await sb.api('POST', '/webHooks', { body: webhookBody('https://hooks.example.com/a') });
    await sb.call('POST', '/demo/_sandbox/subscribers', { body: { seed: 3 } });
  });
  afterAll(() => sb.close());

  const notAvailable = (parameter: string) => `The given parameter: ${parameter} is not available!`;

  it.each([
    [
      '/orders?updatedAtMn=2026-01-01T00:00:00',
      'updatedAtMn',
      /orders collection takes: page, limit, full, innerId, innerIdMin,.*updatedAtMin/,
    ],
    ['/orders?full=1&status=1', 'status', /orderStatusId/],
    ['/webHooks?event=order_status_change', 'event', /webHooks collection takes: page, limit, full\.$/],
    ['/orderHistories?order=x', 'order', /orderHistories collection takes: page, limit, full, orderId\.$/],
    [
      '/newsletterSubscribers?mail=a%40b.hu',
      'mail',
      /newsletterSubscribers collection takes: page, limit, full, email, status, subscribedAt\.$/,
    ],
  ])('GET %s → 400/40010 naming %s, with the ones it takes in the hint', async (path, parameter, hint) => {
    const res = await sb.api('GET', path);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 40010, message: notAvailable(parameter) });
    expect(isDocumentedErrorText(40010, notAvailable(parameter))).toBe(true);
    expect(res.headers.get('x-sandbox-error')).toBe('parameter_not_available');
    expect(res.headers.get('x-sandbox-hint')).toMatch(hint);
  });

  it('in XML too, and inside a batch as the inner answer', async () => {
    const xml = await sb.api('GET', '/orders?sort=dateUpdated', { accept: null });
    expect(xml.status).toBe(400);
    expect(xml.text).toMatch(
      /<error>40010<\/error>\s*<message>\s*<!\[CDATA\[The given parameter: sort is not available!\]\]>\s*<\/message>/,
    );
    const batch = await sb.api('POST', '/batch', {
      body: { data: { requests: [{ method: 'GET', uri: `${sb.url}/demo/api/orders?innerIdMinimum=5` }] } },
    });
    expect(batch.status).toBe(200);
    expect(batch.json().requests.request[0].response).toEqual({
      header: { statusCode: 400 },
      body: { error: 40010, message: notAvailable('innerIdMinimum') },
    });
  });

  it('takes every documented parameter of each collection (and emptyBody on POST/PUT)', async () => {
    const ok = async (path: string) => expect((await sb.api('GET', path)).status, path).toBe(200);
    await ok(
      '/orders?page=0&limit=5&full=1&innerId=1&innerIdMin=1&email=x%40y.hu&excludeAbandonedCart=1&excludeStorno=1' +
        '&createdAtMin=2000-01-01T00:00:00&createdAtMax=2100-01-01T00:00:00&updatedAtMin=2000-01-01T00:00:00' +
        '&updatedAtMax=2100-01-01T00:00:00&shippingModeInnerId=1&externalInfo=x',
    );
    await ok('/orders?createdAt=2026-01-01&updatedAt=2026-01-01');
    await ok('/webHooks?page=0&limit=25&full=0');
    const orderId = (await sb.api('GET', '/orders?full=1')).json().items[0].id as string;
    await ok(`/orderHistories?full=1&page=0&limit=1&orderId=${orderId}`);
    await ok('/newsletterSubscribers?page=0&limit=25&full=1&email=a%40b.hu&status=1&subscribedAt=2016-10-12');
    const created = await sb.api('POST', '/webHooks?emptyBody=1', {
      body: webhookBody('https://hooks.example.com/b'),
    });
    expect(created.status).toBe(201);
  });

  it('a filter the sandbox takes still filters (what a typo would have skipped)', async () => {
    const all = (await sb.api('GET', '/orders?full=1')).json().items as { innerId: string }[];
    expect(all.length).toBe(2);
    const first = all[0]?.innerId ?? '';
    const filtered = (await sb.api('GET', `/orders?full=1&innerId=${first}`)).json().items as unknown[];
    expect(filtered).toHaveLength(1);
  });
});
