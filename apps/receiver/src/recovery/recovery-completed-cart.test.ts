/**
 * An abandoned cart completed later (its first status), while the receiver is down: the shop's delivery
 * of the completion fails, and recovery must store the very event the shop sent — the same event type
 * and dedupe key — so the shop's delivery, re-sent later, is recorded as its duplicate. The sandbox and
 * recovery both say `order_confirm` (contracts' assumption A42): the cart becomes a confirmed order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

describe('recovery of an abandoned cart completed while the receiver was down', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario();
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('stores what the shop delivered: order_confirm, the same dedupe key as the missed delivery', async () => {
    await scenario.subscribe();
    await scenario.startReceiver({}, { schedule: false });
    const sim = scenario.sandbox.simulator;
    const { order: cart } = await sim.abandonCart(SHOP);
    await sim.waitForIdle();
    await waitUntil('the abandoned cart handled', async () => scenario.runs.size === 1);

    await scenario.stopReceiver();
    const completed = await sim.changeStatus(SHOP, cart.innerId ?? '', '2'); // its first status
    await sim.waitForIdle();
    const [missed] = sim.deliveries(SHOP).filter((d) => completed.deliveries.some((c) => c.id === d.id));
    expect(missed).toMatchObject({ state: 'failed' });

    const app = await scenario.startReceiver({}, { schedule: false });
    const report = await app.recovery.recover(SHOP);
    expect(report).toMatchObject({
      ordersRead: 1,
      recovered: { [missed?.event ?? '']: 1 },
      alreadyStored: 0,
    });
    const recovered = (await app.store.listEvents({ shop: SHOP })).items.find((e) => e.source === 'recovery');
    // The event the shop sent for the completion is the one recovery stored.
    expect(recovered).toMatchObject({ event: missed?.event, subjectId: cart.innerId });
    expect(recovered?.event).toBe('order_confirm');

    // The shop's own delivery of it, sent again: the same event and dedupe key, recorded as the duplicate.
    expect(sim.lateDeliver(SHOP, { event: missed?.event ?? '' })).toHaveLength(1);
    await sim.waitForIdle();
    const late = await waitUntil('the late delivery stored', async () =>
      (await app.store.listEvents({ shop: SHOP })).items.find(
        (e) => e.source === 'webhook' && e.event === recovered?.event,
      ),
    );
    expect(late).toMatchObject({ status: 'duplicate', duplicateOf: recovered?.id });
    expect(late.dedupeKey).toBe(recovered?.dedupeKey);
  });
});
