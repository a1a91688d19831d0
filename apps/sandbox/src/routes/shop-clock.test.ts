/**
 * `clockOffsetSeconds`: a shop whose clock is off. Its API answers' `Date` header, the times it stamps
 * on orders and their histories, and subscribers' dates follow that clock; the token endpoint (another
 * server at ShopRenter) keeps this machine's.
 */
import { parseShopDateTime } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

describe('a sandbox whose shop clock is 10 minutes behind', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ rateLimit: false, clockOffsetSeconds: -600 });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('answers with its own time in the Date header and stamps orders with it', async () => {
    const token = await sb.token();
    const { order } = await sb.simulator.placeOrder('demo', { seed: 2 });
    const before = Date.now();
    const answer = await sb.api('GET', '/orders?full=1', { token });
    expect(answer.status).toBe(200);
    const lag = before - Date.parse(answer.headers.get('date') ?? '');
    expect(lag).toBeGreaterThanOrEqual(599_000);
    expect(lag).toBeLessThan(602_000);
    const listed = (answer.json() as { items: { dateCreated: string; dateUpdated: string }[] }).items[0];
    for (const stamped of [listed?.dateCreated, listed?.dateUpdated, order.orderHistory?.dateAdded]) {
      const at = parseShopDateTime(String(stamped));
      expect(before - (at?.getTime() ?? 0)).toBeGreaterThanOrEqual(599_000);
      expect(before - (at?.getTime() ?? 0)).toBeLessThan(605_000);
    }
  });

  it('can be set back or forward while it runs (setClockOffset), and refuses an offset that is not whole seconds', async () => {
    const token = await sb.token();
    const lagNow = async () =>
      Date.now() - Date.parse((await sb.api('GET', '/webHooks', { token })).headers.get('date') ?? '');
    sb.setClockOffset(-3600);
    expect(await lagNow()).toBeGreaterThanOrEqual(3_599_000);
    sb.setClockOffset(-600);
    expect(await lagNow()).toBeLessThan(602_000);
    expect(() => sb.setClockOffset(0.5)).toThrow(/whole number of seconds/);
  });

  it("keeps this machine's time on the token endpoint", async () => {
    const answer = await fetch(sb.tokenUrlTemplate.replace('{shop}', 'demo'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }),
    });
    expect(Math.abs(Date.now() - Date.parse(answer.headers.get('date') ?? ''))).toBeLessThan(2000);
  });
});
