/**
 * A pass reads the orders changed within its window, but an order changed now may have begun long
 * before it: its confirmation and older status changes are not events of the window. Re-deriving them
 * ran their handlers again once retention had pruned the originals (a month-old order confirmed a
 * second time because it was shipped today), or for the first time on a receiver set up after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('recovery of an order that changed after its events left the window', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario();
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('recovers only the change within the window, not the order confirmation from before it', async () => {
    await scenario.subscribe();
    const app = await scenario.startReceiver({}, { schedule: false });
    const sim = scenario.sandbox.simulator;
    const { order } = await sim.placeOrder(SHOP);
    await sim.waitForIdle();
    await waitUntil('the confirmation handled', async () => scenario.runs.size === 1);
    await pause(300);
    // Retention deletes the handled delivery (SRHOOKS_RETENTION_DAYS, here with a cut-off of now).
    const pruned = await app.store.prune({ before: new Date(Date.now() + 1000) });
    expect(pruned.deliveries).toBe(1);

    await pause(2100); // the shop's times have whole seconds
    const since = new Date();
    await pause(1100);
    await scenario.stopReceiver();
    await sim.changeStatus(SHOP, order.innerId ?? '', '5'); // the receiver is down: the delivery fails
    await sim.waitForIdle();
    const again = await scenario.startReceiver({}, { schedule: false });

    const res = await again.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: since.toISOString() },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().report).toMatchObject({
      ordersRead: 1,
      recovered: { order_status_change: 1 },
      alreadyStored: 0,
    });
    expect(res.json().report.recovered.order_confirm ?? 0).toBe(0);
    const events = await again.store.listEvents({ shop: SHOP, limit: 50 });
    expect(events.items.map((e) => `${e.event} ${e.source}`)).toEqual(['order_status_change recovery']);
  });
});
