/**
 * `verify: true` against the sandbox over real HTTP: orders the sandbox created verify; tampered or
 * unknown ones mismatch and are held by the worker until replayed.
 */
import { join } from 'node:path';
import { createShopRenterClient, type ShopRenterClient, type ShopRenterClientOptions } from '@srhooks/client';
import { dedupeKey, type OrderItem } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShopConfigSchema } from '../config/config-schema.js';
import type { Store } from '../store/store.js';
import { createJobWorker } from './create-job-worker.js';
import { createEventVerifier } from './event-verifier.js';
import { ProcessingConfigError } from './processing-errors.js';
import { ShopClients } from './shop-clients.js';
import { FastForwardClock } from './test-support/fast-forward-clock.js';
import { openSqlite, recordingRunner, silentLogger, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { compareOrder, verifyOrder } from './verify.js';
import { JobWorker } from './worker.js';

let sandbox: RunningSandbox;
const tmp = tempDir('verify');
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
  tmp.cleanup();
});

/** Fails fast: no client-side retries (where the job's own retry is what is tested). */
const createClient = (options: ShopRenterClientOptions) =>
  createShopRenterClient({ ...options, retry: { maxAttempts: 1 } });

function demoShop(overrides: Record<string, unknown> = {}) {
  return ShopConfigSchema.parse({
    name: 'demo',
    clientId: DEMO_CLIENT.clientId,
    clientSecret: DEMO_CLIENT.clientSecret,
    apiUrl: sandbox.apiUrlTemplate,
    tokenUrl: sandbox.tokenUrlTemplate,
    verify: true,
    handlers: ['erp'],
    ...overrides,
  });
}

/** One client for the shop, as the receiver has (one token, one rate-limit bucket; 429s retried). */
let shared: ShopRenterClient | undefined;
const client = () => {
  shared ??= new ShopClients([demoShop()]).clientFor('demo');
  return shared;
};

describe('verifyOrder', () => {
  it('verifies an order the shop has', async () => {
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-1' });
    expect(await verifyOrder(client(), order)).toEqual({
      status: 'verified',
      detail: "matches the shop's order on innerId, total, customer name",
    });
  });

  it('finds the order by innerId when the delivery lacks innerResourceId', async () => {
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-2' });
    const { innerResourceId: _omitted, ...withoutResource } = order;
    expect((await verifyOrder(client(), withoutResource as OrderItem)).status).toBe('verified');
  });

  it('reports a different total and customer name (without printing the name)', async () => {
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-3' });
    const forged = { ...order, totalGross: Number(order.totalGross) + 5000, lastname: 'Hamis' };
    const result = await verifyOrder(client(), forged);
    expect(result).toEqual({
      status: 'mismatched',
      detail: `gross total delivered ${forged.totalGross}, shop has ${order.totalGross}; customer name differs`,
    });
    expect(result.detail).not.toContain('Hamis');
  });

  it('mismatches an order the shop does not know', async () => {
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-4' });
    const unknown = {
      ...order,
      innerId: '99999999',
      innerResourceId: 'orders/b3JkZXItb3JkZXJfaWQ9OTk5OTk5OTk=',
    };
    expect(await verifyOrder(client(), unknown)).toEqual({
      status: 'mismatched',
      detail: 'the shop has no order b3JkZXItb3JkZXJfaWQ9OTk5OTk5OTk= (the delivery may be forged)',
    });
  });

  it('throws (so the job retries) when the shop cannot be asked', async () => {
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-5' });
    const fresh = new ShopClients([demoShop()], createClient).clientFor('demo');
    sandbox.setFaults('demo', { tokenEndpointDown: true });
    try {
      await expect(verifyOrder(fresh, order)).rejects.toThrow();
    } finally {
      sandbox.setFaults('demo', {});
    }
  });

  it('compares loosely where the formats differ (decimals, case, accents kept)', () => {
    const order = { id: 'x', innerId: '12', total: 6570, firstname: 'Éva', lastname: 'Balogh' };
    expect(
      compareOrder({ innerId: '12', totalGross: 6570.4, firstname: 'éva', lastname: 'BALOGH' }, order).status,
    ).toBe('verified');
    expect(
      compareOrder({ innerId: '12', totalGross: 6570, firstname: 'Eva', lastname: 'Balogh' }, order),
    ).toEqual({
      status: 'mismatched',
      detail: 'customer name differs',
    });
    // The delivery's `total` is the net total: never compared with the API's gross `total`.
    expect(compareOrder({ innerId: '12', total: 5173, firstname: 'Éva', lastname: 'Balogh' }, order)).toEqual(
      {
        status: 'verified',
        detail: "matches the shop's order on innerId, customer name",
      },
    );
    expect(compareOrder({ innerId: '13' }, order)).toEqual({
      status: 'mismatched',
      detail: 'innerId delivered 13, shop has 12',
    });
  });
});

describe('createEventVerifier', () => {
  it('refuses verify: true without credentials, naming the key', () => {
    const shops = [
      ShopConfigSchema.parse({ name: 'demo' }),
      ShopConfigSchema.parse({ name: 'other', verify: true }),
    ];
    expect(() => createEventVerifier(shops, new ShopClients(shops))).toThrow(
      new ProcessingConfigError(
        'shops[1].verify needs the shop\'s API credentials to fetch orders back: set clientId and clientSecret (or a legacy API user\'s username and password) on shop "other"',
      ),
    );
  });

  it('only verifies confirmed orders and status changes of verifying shops', () => {
    const shops = [demoShop(), ShopConfigSchema.parse({ name: 'plain' })];
    const verifier = createEventVerifier(shops, new ShopClients(shops, createClient));
    const job = { shop: 'demo', event: 'order_confirm', payload: {} } as never;
    expect(verifier).not.toBeNull();
    expect(verifier?.({ ...(job as object), event: 'abandoned_cart' } as never)).toBeNull();
    expect(verifier?.({ ...(job as object), event: 'newsletter_subscribe' } as never)).toBeNull();
    expect(verifier?.({ ...(job as object), shop: 'plain' } as never)).toBeNull();
    expect(createEventVerifier([ShopConfigSchema.parse({ name: 'plain' })], new ShopClients([]))).toBeNull();
  });
});

describe('the worker with verify: true', () => {
  const stores: Store[] = [];
  const workers: JobWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  async function ingestOrder(store: Store, order: OrderItem, receivedAt: Date) {
    const result = await store.ingest(
      {
        shop: 'demo',
        event: 'order_confirm',
        receivedAt,
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from(JSON.stringify({ orders: { order: [order] } })),
      },
      [
        {
          dedupeKey: dedupeKey('demo', 'order_confirm', order),
          subjectId: String(order.innerId),
          payload: order,
        },
      ],
      ['erp'],
    );
    return result.events[0]!.id;
  }

  it('runs handlers of verified events and holds mismatched ones until they are replayed', async () => {
    const store = await openSqlite(join(tmp.dir, 'worker-verify.db'));
    stores.push(store);
    const genuine = (await sandbox.simulator.placeOrder('demo', { seed: 'verify-w1' })).order;
    const other = (await sandbox.simulator.placeOrder('demo', { seed: 'verify-w2' })).order;
    const forged = { ...other, totalGross: Number(other.totalGross) * 10 };
    const clock = new FastForwardClock(new Date());
    const genuineId = await ingestOrder(store, genuine, clock.now());
    const forgedId = await ingestOrder(store, forged, clock.now());

    const shops = [demoShop()];
    const clients = new ShopClients(shops);
    const erp = recordingRunner('erp');
    const worker = new JobWorker({
      store,
      runners: [erp],
      logger: silentLogger,
      clock,
      verifier: createEventVerifier(shops, clients)!,
    });
    workers.push(worker);
    worker.start();

    await waitFor(async () => (await store.getEvent(genuineId))?.status === 'succeeded', 'the genuine order');
    await waitFor(async () => {
      const event = await store.getEvent(forgedId);
      return event?.status === 'held' && event.jobs[0]?.attemptLog[0]?.outcome === 'held';
    }, 'the forged order to be held and its job handed back');
    const held = await store.getEvent(forgedId);
    expect(held).toMatchObject({ verification: 'mismatched', held: true });
    expect(held?.verificationDetail).toContain('gross total delivered');
    // Held, not `released`: nobody released it yet (QA s17 #8).
    expect(held?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual(['held']);
    expect(held?.jobs[0]?.attemptLog[0]?.error).toMatch(
      /^held: verification mismatched \(gross total delivered/,
    );
    expect((await store.getEvent(genuineId))?.verification).toBe('verified');
    expect(erp.runs.map((job) => job.eventId)).toEqual([genuineId]);

    // Someone looked at it and decided to process it anyway: replay releases the hold.
    await store.replayEvent(forgedId, { now: clock.now() });
    await waitFor(async () => (await store.getEvent(forgedId))?.status === 'succeeded', 'the replayed order');
    expect(erp.runs.map((job) => job.eventId)).toEqual([genuineId, forgedId]);
    expect((await store.getEvent(forgedId))?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual([
      'held',
      'succeeded',
    ]);
    expect((await store.getEvent(forgedId))?.verification).toBe('mismatched');
  });

  it('retries the job when the shop cannot be asked, and verifies once it can', async () => {
    const store = await openSqlite(join(tmp.dir, 'worker-verify-retry.db'));
    stores.push(store);
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'verify-w3' });
    const clock = new FastForwardClock(new Date());
    const eventId = await ingestOrder(store, order, clock.now());
    sandbox.setFaults('demo', { tokenEndpointDown: true });
    const worker = createJobWorker({
      config: { shops: [demoShop()], handlers: { erp: { type: 'log' } } },
      store,
      logger: silentLogger,
      createClient,
      logWrite: () => {},
      clock,
      random: () => 0.5,
      pollIntervalMs: 3_600_000,
    });
    workers.push(worker);
    try {
      worker.start();
      await waitFor(
        async () => (await store.getEvent(eventId))?.jobs[0]?.failures === 1,
        'the failed verification',
      );
      const failed = await store.getEvent(eventId);
      expect(failed?.verification).toBe('unverified');
      expect(failed?.jobs[0]?.lastError).toMatch(/^could not verify the order with the shop: /);
    } finally {
      sandbox.setFaults('demo', {});
    }
    await waitFor(async () => (await store.getEvent(eventId))?.status === 'succeeded', 'the retry after 5 s');
    expect((await store.getEvent(eventId))?.verification).toBe('verified');
  });
});
