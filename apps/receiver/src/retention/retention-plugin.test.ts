import { afterEach, describe, expect, it } from 'vitest';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const DAY_MS = 86_400_000;

describe('retention', () => {
  const receivers: TestReceiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  it('deletes deliveries older than retentionDays on its schedule, keeping newer ones and unfinished work', async () => {
    const receiver = await startTestReceiver(
      {
        retentionDays: 2,
        handlers: { erp: { type: 'log' } },
        shops: [{ name: 'demo', handlers: ['erp'] }],
      },
      { retention: { firstRunMs: 50, intervalMs: 50 } },
    );
    receivers.push(receiver);
    const store = receiver.app.store;
    const old = await store.ingest(
      jsonDelivery({ receivedAt: new Date(Date.now() - 3 * DAY_MS) }),
      [{ dedupeKey: 'order:1', subjectId: '1', payload: { innerId: '1' } }],
      [],
    );
    const oldWithPendingJob = await store.ingest(
      jsonDelivery({ receivedAt: new Date(Date.now() - 3 * DAY_MS) }),
      [{ dedupeKey: 'order:2', subjectId: '2', payload: { innerId: '2' } }],
      ['erp'],
    );
    const fresh = await store.ingest(jsonDelivery({ receivedAt: new Date(Date.now() - DAY_MS) }), [], []);

    const deadline = Date.now() + 5000;
    while ((await store.getDelivery(old.deliveryId)) !== null) {
      if (Date.now() > deadline) throw new Error('retention did not delete the old delivery');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await store.getDelivery(fresh.deliveryId)).not.toBeNull();
    expect(await store.getDelivery(oldWithPendingJob.deliveryId)).not.toBeNull();

    const line = receiver.logLines
      .map((text) => JSON.parse(text) as { msg: string; retention?: Record<string, unknown> })
      .find((entry) => entry.msg === 'retention: old deliveries deleted');
    expect(line?.retention).toMatchObject({ days: 2, deliveries: 1, events: 1, jobs: 0 });
    const metrics = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^srhooks_pruned_total\{kind="deliveries",by="retention"\} 1$/m);
    expect(metrics).toMatch(/^srhooks_pruned_total\{kind="events",by="retention"\} 1$/m);

    // On demand too (what the schedule runs): nothing more to delete now.
    expect(await receiver.app.runRetention?.()).toEqual({
      deliveries: 0,
      events: 0,
      jobs: 0,
      kept: 1,
      paymentBindings: 0,
    });
  });

  it('says at info why old deliveries were kept when it deleted none, and what lets them go', async () => {
    // Before, a run that deleted nothing logged at debug only: with every old delivery held by a dead
    // letter the store grew for ever while retention, switched on, said nothing.
    const receiver = await startTestReceiver(
      { retentionDays: 2, handlers: { erp: { type: 'log' } }, shops: [{ name: 'demo', handlers: ['erp'] }] },
      { retention: { firstRunMs: 60_000, intervalMs: 60_000 } },
    );
    receivers.push(receiver);
    await receiver.app.store.ingest(
      jsonDelivery({ receivedAt: new Date(Date.now() - 3 * DAY_MS) }),
      [{ dedupeKey: 'order:3', subjectId: '3', payload: { innerId: '3' } }],
      ['erp'],
    );
    expect(await receiver.app.runRetention?.()).toMatchObject({ deliveries: 0, kept: 1 });
    const line = receiver.logLines
      .map((text) => JSON.parse(text) as { level: number; msg: string; retention?: Record<string, unknown> })
      .find((entry) => entry.msg.startsWith('retention: nothing deleted'));
    expect(line?.level).toBe(30);
    expect(line?.retention).toMatchObject({ days: 2, deliveries: 0, kept: 1 });
    expect(line?.msg).toContain('1 delivery older than 2 days kept');
    expect(line?.msg).toContain('srhooks prune --include-dead-letters');
  });

  it('deletes nothing without retentionDays', async () => {
    const receiver = await startTestReceiver({}, { retention: { firstRunMs: 10, intervalMs: 10 } });
    receivers.push(receiver);
    const old = await receiver.app.store.ingest(jsonDelivery({ receivedAt: new Date(0) }), [], []);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.app.runRetention).toBeNull();
    expect(await receiver.app.store.getDelivery(old.deliveryId)).not.toBeNull();
  });
});
