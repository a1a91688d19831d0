/**
 * The scheduled passes back off by the failures in a row (interval × 2^(failures − 1), at most 24 h).
 * An on-demand pass (`srhooks recover`, `POST /admin/api/recover`) that failed counted too: an operator
 * trying three times while the shop's API was down added three failures, and the next scheduled pass
 * waited 16 intervals instead of 2. Its caller sees the error; the scheduled passes must not pay for it.
 * SQLite store (the receiver's file); the PostgreSQL store runs the same statement (store contract).
 */
import { createShopRenterClient } from '@srhooks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryPanel } from '../inspector/recovery-panel.js';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

describe('a failed on-demand pass and the scheduled passes’ backoff', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('is recorded as the last pass but not counted in the failures in a row; an ok pass still resets them', async () => {
    await scenario.sandbox.simulator.placeOrder(SHOP);
    scenario.sandbox.setFaults(SHOP, { errorRate: 1, errorStatus: 503 });
    const app = await scenario.startReceiver(
      { recoveryIntervalMinutes: 60, shops: [scenario.shop({ events: ['order_confirm'] })] },
      {
        schedule: true,
        createClient: (options) => createShopRenterClient({ ...options, retry: { maxAttempts: 1 } }),
      },
    );
    // The start-up pass (scheduled) fails: one in a row.
    const scheduledFailure = await waitUntil('the failed start-up pass', async () => {
      const state = await app.store.getRecoveryState(SHOP);
      return state?.lastPass?.outcome === 'failed' ? state : null;
    });
    expect(scheduledFailure.consecutiveFailures).toBe(1);
    // The turn is over (its lock released) once the next one is scheduled.
    await waitUntil('the next scheduled turn', async () => app.recovery.nextTurnAt(SHOP));
    expect(scheduledFailure.lastPass?.onDemand).toBeUndefined();

    // The operator tries three times; each is answered the failure and recorded as the last pass.
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/api/recover',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { shop: SHOP },
      });
      expect(res.statusCode).toBe(502);
      expect(res.json().error.code).toBe('shop_api_failed');
    }
    const after = await app.store.getRecoveryState(SHOP);
    // Still one scheduled failure in a row (before: 4 — a next scheduled failure made it 5, and the pass
    // after it waited 16 intervals instead of 2).
    expect(after?.consecutiveFailures).toBe(1);
    expect(after?.lastPass).toMatchObject({ outcome: 'failed', onDemand: true });
    expect(after?.lastPass?.finishedAt.getTime()).toBeGreaterThan(
      scheduledFailure.lastPass?.finishedAt.getTime() ?? 0,
    );
    const shops = (
      await app.inject({
        method: 'GET',
        url: '/admin/api/shops',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json();
    expect(shops.items.find((item: { name: string }) => item.name === SHOP)).toMatchObject({
      recoveryFailures: 1,
    });
    // The inspector says which pass failed, and counts the scheduled ones only.
    const panel = String(recoveryPanel([SHOP], after ? [after] : [], true));
    expect(panel).toContain('an on-demand pass (not retried; scheduled passes are not delayed by it)');
    expect(panel).toContain('1 failed scheduled pass in a row');

    // The shop answers again: an ok on-demand pass resets the count, as before.
    scenario.sandbox.setFaults(SHOP, {});
    const ok = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP },
    });
    expect(ok.statusCode).toBe(200);
    expect(await app.store.getRecoveryState(SHOP)).toMatchObject({
      consecutiveFailures: 0,
      lastPass: { outcome: 'ok', onDemand: true },
    });
    await scenario.stopReceiver();
  });
});
