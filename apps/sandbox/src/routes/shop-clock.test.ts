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

  /**
   * An answer's Date header is the shop's time to the second (rounded down), stamped between `before`
   * and `after`: for a shop `offset` ms behind, `after − header ≥ offset` and `before − header < offset +
   * 1 s`, however long the answer took on a busy machine.
   */
  async function expectBehind<A extends { headers: Headers }>(
    offsetMs: number,
    call: () => Promise<A>,
  ): Promise<A> {
    const before = Date.now();
    const answer = await call();
    const after = Date.now();
    const shopTime = Date.parse(answer.headers.get('date') ?? '');
    expect(after - shopTime).toBeGreaterThanOrEqual(offsetMs);
    expect(before - shopTime).toBeLessThan(offsetMs + 1000);
    return answer;
  }

  it('answers with its own time in the Date header and stamps orders with it', async () => {
    const token = await sb.token();
    const placing = Date.now();
    const { order } = await sb.simulator.placeOrder('demo', { seed: 2 });
    const placed = Date.now();
    const answer = await expectBehind(600_000, () => sb.api('GET', '/orders?full=1', { token }));
    expect(answer.status).toBe(200);
    const listed = (answer.json() as { items: { dateCreated: string; dateUpdated: string }[] }).items[0];
    for (const stamped of [listed?.dateCreated, listed?.dateUpdated, order.orderHistory?.dateAdded]) {
      const at = parseShopDateTime(String(stamped))?.getTime() ?? 0;
      expect(placed - at).toBeGreaterThanOrEqual(600_000);
      expect(placing - at).toBeLessThan(601_000);
    }
  });

  it('can be set back or forward while it runs (setClockOffset), and refuses an offset that is not whole seconds', async () => {
    const token = await sb.token();
    sb.setClockOffset(-3600);
    await expectBehind(3_600_000, () => sb.api('GET', '/webHooks', { token }));
    sb.setClockOffset(-600);
    await expectBehind(600_000, () => sb.api('GET', '/webHooks', { token }));
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
