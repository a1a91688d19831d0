/**
 * Shutdown while a recovery pass waits on a stalled shop API (the sandbox answering after a minute):
 * closing the receiver aborts the pass at once instead of waiting for the client's timeout, records
 * nothing for it (no failure, no watermark move), and the next start reads the same window again.
 */
import { createShopRenterClient } from '@srhooks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryPluginOptions } from './recovery-plugin.js';
import {
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

/** The client's per-request timeout: without the abort, close would wait this long. */
const CLIENT_TIMEOUT_MS = 30_000;
/** Order searches sent to the shop API (the real fetch, counted), to know a pass is waiting on one. */
let orderSearchesSent = 0;
const slowShopClient: RecoveryPluginOptions = {
  schedule: true,
  createClient: (options) =>
    createShopRenterClient({
      ...options,
      timeoutMs: CLIENT_TIMEOUT_MS,
      retry: { maxAttempts: 1 },
      fetch: (request) => {
        if (new URL(request.url).pathname.endsWith('/orders')) orderSearchesSent += 1;
        return fetch(request);
      },
    }),
};

describe('recovery and shutdown', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    scenario.sandbox.setFaults(SHOP, {});
    await scenario.close();
  });

  it('close aborts a pass stalled on the shop API promptly; the window is not advanced and is read again on the next start', async () => {
    // A first pass sets the watermark.
    const first = await scenario.startReceiver({}, slowShopClient);
    const watermark = (
      await waitUntil(
        'the first watermark',
        async () => (await first.store.getRecoveryState(SHOP))?.watermark,
      )
    ).getTime();
    await scenario.stopReceiver();

    // While the receiver is down an order is placed (its delivery is lost); then the shop API stalls.
    const { order } = await scenario.sandbox.simulator.placeOrder(SHOP);
    await scenario.sandbox.simulator.waitForIdle();
    scenario.sandbox.setFaults(SHOP, { latencyMs: 60_000 });
    const searchesBefore = orderSearchesSent;
    await scenario.startReceiver({}, slowShopClient);
    // The scheduled pass is in flight: its order search went out and has no answer yet.
    await waitUntil('the pass to wait on the shop API', async () => orderSearchesSent > searchesBefore);
    const closing = Date.now();
    await scenario.stopReceiver();
    // Aborted, not timed out: a close that waited for the client's timeout would take CLIENT_TIMEOUT_MS
    // (the stall lasts 60 s). Half of it leaves room for a loaded machine (2.5 s seen under load, 6.3 s
    // under a 0.7-CPU quota beside the other suites).
    expect(Date.now() - closing).toBeLessThan(CLIENT_TIMEOUT_MS / 2);

    // Nothing was recorded for the interrupted pass: same watermark, no failure, the last pass is the first one.
    scenario.sandbox.setFaults(SHOP, {});
    const check = await scenario.startReceiver({}, { schedule: false });
    const after = await check.store.getRecoveryState(SHOP);
    expect(after?.watermark?.getTime()).toBe(watermark);
    expect(after?.consecutiveFailures).toBe(0);
    expect(after?.lastPass).toMatchObject({ outcome: 'ok' });
    expect(after?.lastPass?.finishedAt.getTime()).toBeLessThanOrEqual(watermark + 60_000);
    const events = await check.store.listEvents({ limit: 50 });
    expect(events.items.filter((event) => event.subjectId === String(order.innerId))).toEqual([]);
    await scenario.stopReceiver();

    // The next start with the shop answering reads the same window and recovers the order.
    const next = await scenario.startReceiver({}, slowShopClient);
    const recovered = await waitUntil('the order recovered', async () => {
      const page = await next.store.listEvents({ limit: 50 });
      return page.items.find((event) => event.subjectId === String(order.innerId));
    });
    expect(recovered.source).toBe('recovery');
    const state = await waitUntil('the watermark to move', async () => {
      const current = await next.store.getRecoveryState(SHOP);
      return current?.watermark && current.watermark.getTime() > watermark ? current : null;
    });
    expect(state.lastPass?.since.getTime()).toBe(watermark - next.config.recoveryOverlapSeconds * 1000);
    await scenario.stopReceiver();
  });
});
