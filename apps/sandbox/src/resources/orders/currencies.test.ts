import { CurrencySchema, orderIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../test-support/test-sandbox.js';

/**
 * `GET /currencies/{id}` (the order's documented `currency` link; the code assumed in field `code`,
 * contracts' A53): what recovery reads for the order's currency code. Over real HTTP.
 */
describe('GET /currencies/{id}', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  it("the order's currency link names the currency whose code its delivery carries", async () => {
    const { order } = await sb.simulator.placeOrder('demo');
    const euro = await sb.simulator.placeOrder('demo', { order: { currency: 'EUR' } });
    for (const placed of [order, euro.order]) {
      const apiOrder = (await sb.api('GET', `/orders/${orderIdFor(placed.innerId ?? '')}`)).json();
      const path = new URL(apiOrder.currency.href).pathname.replace('/demo/api', '');
      const res = await sb.api('GET', path);
      expect(res.status).toBe(200);
      const currency = CurrencySchema.parse(res.json());
      expect(currency.code).toBe(placed.currency);
      expect(currency.href).toBe(apiOrder.currency.href);
    }
    expect(euro.order.currency).toBe('EUR');
    // A code the shop does not know: no currency link.
    const other = await sb.simulator.placeOrder('demo', { order: { currency: 'XYZ' } });
    expect(
      (await sb.api('GET', `/orders/${orderIdFor(other.order.innerId ?? '')}`)).json().currency,
    ).toBeNull();
  });

  it('a wrong id is 40007, an unknown currency 404; the collection pages as the others', async () => {
    const wrong = await sb.api('GET', `/currencies/${orderIdFor('1')}`);
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 40007 });
    const unknown = await sb.api(
      'GET',
      `/currencies/${Buffer.from('currency-currency_id=99').toString('base64')}`,
    );
    expect(unknown.status).toBe(404);
    const page = (await sb.api('GET', '/currencies?full=1')).json();
    expect(page.items.map((c: { code: string }) => c.code)).toContain('HUF');
  });
});
