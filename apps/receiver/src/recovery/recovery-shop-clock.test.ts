/**
 * A shop whose clock is behind the receiver's by more than the pass's overlap (5 minutes). A pass's
 * watermark is the receiver's time; the next pass asked the shop for what changed since the watermark
 * less the overlap, and the shop compared that with its own clock: an order it stamped 12:00 when the
 * receiver's clock said 12:15 lay before the 12:10 the next pass read from. Its lost delivery was never
 * recovered. A pass now reads by the shop's clock, from the `Date` header of the shop's answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
} from './test-support/recovery-scenario.js';

describe("a shop whose clock is 15 minutes behind the receiver's", () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    // Not subscribed: the shop delivers nothing, every order is one the receiver missed.
    scenario = await startRecoveryScenario({ rateLimit: false, clockOffsetSeconds: -900 });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it("the next pass recovers an order placed after the last one (its window on the shop's clock) and says how far behind the clock is", async () => {
    const app = await scenario.startReceiver({ logLevel: 'info' }, { schedule: false });
    const recover = async () => {
      const answer = await app.inject({
        method: 'POST',
        url: '/admin/api/recover',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { shop: SHOP },
      });
      expect(answer.statusCode).toBe(200);
      return answer.json().report as { recovered: Record<string, number>; ordersRead: number };
    };
    expect((await recover()).recovered).toEqual({});

    await scenario.sandbox.simulator.placeOrder(SHOP, { seed: 3 });
    const second = await recover();
    expect(second.recovered).toEqual({ order_confirm: 1 });
    const stored = await app.store.listEvents({ source: 'recovery', limit: 10 });
    expect(stored.items).toHaveLength(1);

    const passLines = scenario.logLines
      .map((line) => JSON.parse(line) as { msg?: string; recovery?: { shopClockBehindSeconds?: number } })
      .filter((line) => line.msg?.startsWith('recovery pass found'));
    expect(passLines).toHaveLength(2);
    for (const line of passLines) {
      expect(line.recovery?.shopClockBehindSeconds).toBeGreaterThanOrEqual(900);
      expect(line.recovery?.shopClockBehindSeconds).toBeLessThanOrEqual(905);
    }
  });
});
