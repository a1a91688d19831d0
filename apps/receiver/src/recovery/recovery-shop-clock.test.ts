/**
 * A shop whose clock is behind the receiver's by more than the pass's overlap (5 minutes). A pass's
 * watermark is the receiver's time; the next pass asked the shop for what changed since the watermark
 * less the overlap, and the shop compared that with its own clock: an order it stamped 12:00 when the
 * receiver's clock said 12:15 lay before the 12:10 the next pass read from. Its lost delivery was never
 * recovered. A pass now reads by the shop's clock, from the `Date` header of the shop's answers.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryReport } from './recovery-pass.js';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
} from './test-support/recovery-scenario.js';

/** An on-demand pass for the shop through the admin API (must answer 200); its report. */
async function recoverNow(app: FastifyInstance): Promise<RecoveryReport> {
  const answer = await app.inject({
    method: 'POST',
    url: '/admin/api/recover',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: { shop: SHOP },
  });
  expect(answer.statusCode).toBe(200);
  return answer.json().report as RecoveryReport;
}

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
    const recover = () => recoverNow(app);
    expect((await recover()).recovered).toEqual({});

    await scenario.sandbox.simulator.placeOrder(SHOP, { seed: 3 });
    const second = await recover();
    expect(second.recovered).toEqual({ order_confirm: 1 });
    const stored = await app.store.listEvents({ source: 'recovery', limit: 10 });
    expect(stored.items).toHaveLength(1);

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const behind = /^srhooks_shop_clock_behind_seconds\{shop="demo"\} ([\d.]+)$/m.exec(metrics)?.[1];
    expect(Number(behind)).toBeGreaterThanOrEqual(900);
    expect(Number(behind)).toBeLessThan(905);

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

describe("a shop whose clock is set back between the receiver's passes", () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('keeps the watermark of the pass that saw it, and the next pass recovers what the shop stamped in the past', async () => {
    // No overlap: what is found is found by the clock handling alone.
    const app = await scenario.startReceiver(
      { logLevel: 'info', recoveryOverlapSeconds: 0 },
      { schedule: false },
    );
    const recover = () => recoverNow(app);
    expect((await recover()).recovered).toEqual({});
    const { watermark } = (await app.store.getRecoveryState(SHOP)) ?? {};

    // The shop's clock goes back 15 minutes; an order placed now is stamped 15 minutes before the watermark.
    scenario.sandbox.setClockOffset(-900);
    await scenario.sandbox.simulator.placeOrder(SHOP, { seed: 4 });
    // A few seconds pass before the next pass (the shop's times have whole seconds, and a lag is read
    // up to a second too large): a watermark moved to that pass's start would lie after the order.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // This pass still reads by the clock it knew (in step a moment ago) and misses it; its last answer
    // shows the clock set back, so its watermark stays.
    const missed = await recover();
    expect(missed.recovered).toEqual({});
    expect(missed.shopClockSetBackMs).toBeGreaterThanOrEqual(898_000);
    expect((await app.store.getRecoveryState(SHOP))?.watermark).toEqual(watermark);
    const warned = scenario.logLines.filter((line) => line.includes('"recovery_shop_clock_set_back"'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0] ?? '{}').msg).toMatch(
      /^the shop's clock was set back 9\d\d s while the pass read: its watermark stays/,
    );

    expect((await recover()).recovered).toEqual({ order_confirm: 1 });
  });
});
