/**
 * The drainer against both real engines (a SQLite file; PostgreSQL in a schema of its own, reached
 * through a TCP proxy this test owns for the outage): spooled deliveries stored in arrival order under
 * their ids and arrival times, with their jobs; an undecodable one quarantined; an unreadable file moved
 * aside without stopping the drain; a crash between the commit and the file's removal stores nothing
 * twice; a backlog drained in batches (one commit per batch, oldest first, a duplicate filed after its
 * original), each delivery of a shared transaction in its own savepoint; while the store is unavailable
 * the files stay, and drain once it is back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryDecoder } from '../ingest/delivery-decoder.js';
import { createStore } from '../store/create-store.js';
import { newId } from '../store/sortable-id.js';
import {
  PaymentClaimConflictError,
  type SpooledDelivery,
  type Store,
  StoreConflictError,
} from '../store/store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { Spool } from './spool.js';
import { type DrainLog, SpoolDrainer } from './spool-drainer.js';
import { UNREADABLE_DIR } from './spool-reader.js';
import { spooledContent } from './spooled-content.js';

const BODY_LIMIT = 1024 * 1024;
const T0 = Date.parse('2026-12-05T03:00:00.000Z');
const schemas = testSchemas('spool');

function orderDelivery(innerId: string, at: number): SpooledDelivery {
  const order = { ...sampleOrder(Number(innerId)), storeName: 'demo', innerId };
  const { contentType, body } = encodeDelivery(
    'order_confirm',
    { orders: { order: [order] } },
    { format: 'json' },
  );
  return {
    id: newId('dlv', at),
    shop: 'demo',
    event: 'order_confirm',
    receivedAt: new Date(at),
    remoteAddress: '203.0.113.7',
    headers: { 'content-type': contentType },
    contentType,
    rawBody: body,
  };
}

interface Engine {
  readonly name: string;
  /** A migrated store, and how to make it unavailable and available again. */
  open(dir: string): Promise<{ store: Store; cut(): Promise<void>; restore(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async open(dir) {
      const file = join(dir, 'srhooks.db');
      // 2 s: a write on a loaded machine (CI runs packages side by side) must not count as unavailable.
      const store = createStore({ kind: 'sqlite', file, deliveryWaitMs: 2000 });
      await store.migrate();
      // another connection holding the write lock: SQLITE_BUSY once the delivery's wait is over
      let locker: Database.Database | null = null;
      return {
        store,
        async cut() {
          locker = new Database(file);
          locker.exec('BEGIN IMMEDIATE');
        },
        async restore() {
          locker?.exec('ROLLBACK');
          locker?.close();
          locker = null;
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
      const url = new URL(TEST_DATABASE_URL);
      url.hostname = '127.0.0.1';
      url.port = String(await proxy.start());
      const store = createStore({
        kind: 'postgres',
        url: url.toString(),
        schema: schemas(),
        connectTimeoutMs: 500,
        shareChanges: false,
      });
      await store.migrate();
      cleanups.push(() => proxy.stop());
      return {
        store,
        cut: () => proxy.stop(),
        restore: async () => {
          await proxy.start();
        },
      };
    },
  },
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function quietLog(): DrainLog & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message: string) =>
    void lines.push({ level, fields, message });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * The drainer these tests use: real spooled-content decoding, handler `erp`, a generous store timeout
 * (the first write starts SQLite's writer thread, slow on a loaded machine; an outage test's store
 * answers unavailable by itself: the write lock's 2 s wait, a refused connection); `options` add or replace.
 */
function testDrainer(
  spool: Spool,
  store: Store,
  decoder: DeliveryDecoder,
  options: Partial<ConstructorParameters<typeof SpoolDrainer>[0]> = {},
): SpoolDrainer {
  return new SpoolDrainer({
    spool,
    store,
    contentOf: (delivery) => spooledContent(decoder, delivery, BODY_LIMIT, () => {}),
    handlersFor: () => ['erp'],
    log: quietLog(),
    storeTimeoutMs: 45_000,
    ...options,
  });
}

describe.each(engines)('spool drainer: $name', (engine) => {
  async function setUp() {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-drain-'));
    const { store, cut, restore } = await engine.open(dir);
    const decoder = new DeliveryDecoder();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    cleanups.push(() => decoder.close());
    const spool = await Spool.open(join(dir, 'spool'), 64 * 1024 * 1024);
    const log = quietLog();
    const drainedIds: string[] = [];
    const drainer = testDrainer(spool, store, decoder, {
      log,
      onDrained: (delivery) => void drainedIds.push(delivery.id),
    });
    cleanups.push(() => drainer.stop());
    return { dir, store, spool, decoder, drainer, log, drainedIds, cut, restore };
  }

  it('stores spooled deliveries oldest first under their ids and arrival times; quarantines, moves aside', async () => {
    const { dir, store, spool, drainer, log, drainedIds } = await setUp();
    const second = orderDelivery('2002', T0 + 2000);
    const first = orderDelivery('2001', T0 + 1000);
    const broken = { ...orderDelivery('2003', T0 + 3000), rawBody: Buffer.from('{"orders":') };
    const unreadable = orderDelivery('2004', T0 + 1500);
    for (const delivery of [second, first, broken, unreadable]) await spool.write(delivery);
    const unreadableFile = join(spool.dir, `${unreadable.id}.delivery`);
    writeFileSync(unreadableFile, readFileSync(unreadableFile).subarray(0, 50));

    expect(await drainer.drainOnce()).toBe('empty');
    expect(drainedIds).toEqual([first.id, second.id, broken.id]);
    expect(await spool.list()).toEqual([]);
    expect(spool.figures()).toMatchObject({ deliveries: 0, bytes: 0, unreadableFiles: 1 });
    expect(existsSync(join(dir, 'spool', UNREADABLE_DIR, `${unreadable.id}.delivery`))).toBe(true);
    expect(log.lines.some((line) => line.level === 'error' && line.message.includes('unreadable'))).toBe(
      true,
    );

    const stored = await store.getDelivery(first.id);
    expect(stored?.status).toBe('stored');
    expect(stored?.receivedAt.getTime()).toBe(first.receivedAt.getTime());
    expect(stored?.rawBody.equals(first.rawBody)).toBe(true);
    expect(stored?.events.map((event) => event.orderNumber)).toHaveLength(1);
    const quarantined = await store.getDelivery(broken.id);
    expect(quarantined?.status).toBe('quarantined');
    expect(quarantined?.decodeError?.code).toBeTruthy();
    expect(await store.getDelivery(unreadable.id)).toBeNull();
    expect((await store.countJobs()).pending).toBe(2);
    // no body, no order data in the log: ids and counts only
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain(first.rawBody.toString('utf8').slice(0, 40));
  });

  it('stores a delivery once when a crash left its file after the commit', async () => {
    const { spool, store, drainer, drainedIds, log } = await setUp();
    const delivery = orderDelivery('3001', T0);
    const { file } = await spool.write(delivery);
    const bytes = readFileSync(join(spool.dir, file));
    expect(await drainer.drainOnce()).toBe('empty');
    // the crash: committed, but the file was never removed
    writeFileSync(join(spool.dir, file), bytes);
    const reopened = await Spool.open(spool.dir, 64 * 1024 * 1024);
    expect(reopened.figures().deliveries).toBe(1);
    expect(await drainer.drainOnce()).toBe('empty');
    expect(drainedIds).toEqual([delivery.id, delivery.id]);
    expect(await spool.list()).toEqual([]);
    expect((await store.listDeliveries()).items.map((item) => item.id)).toEqual([delivery.id]);
    expect((await store.listEvents()).items).toHaveLength(1);
    expect(await store.countJobs()).toMatchObject({ pending: 1 });
    // the log says what the metric counts: stored the first time, already stored the second
    const outcomes = log.lines
      .filter((line) => line.message === 'spooled delivery stored')
      .map((line) => (line.fields as { outcome: string }).outcome);
    expect(outcomes).toEqual(['stored', 'already_stored']);
  });

  it('drains a backlog in batches: one commit per batch, not one per delivery, oldest first', async () => {
    const { spool, store, drainer, drainedIds } = await setUp();
    const deliveries = Array.from({ length: 12 }, (_, i) => orderDelivery(String(6001 + i), T0 + i * 10));
    for (const delivery of [...deliveries].reverse()) await spool.write(delivery);
    // the duplicate of the first order, spooled later: it must be filed as the duplicate, not the original
    const repeat = orderDelivery('6001', T0 + 500);
    await spool.write(repeat);
    const before = store.stats();
    expect(await drainer.drainOnce()).toBe('empty');
    expect(drainedIds).toEqual([...deliveries, repeat].map((delivery) => delivery.id));
    expect(await spool.list()).toEqual([]);
    // one batch: one group commit (SQLite may split it in two when the thread commits while calls arrive)
    expect(store.stats().commits - before.commits).toBeLessThanOrEqual(2);
    // each delivery counted as a write of its commit (PostgreSQL counted the batch as one)
    expect(store.stats().items - before.items).toBe(13);
    const original = await store.getDelivery(deliveries[0]?.id as string);
    const duplicate = await store.getDelivery(repeat.id);
    expect(original?.events[0]?.duplicateOf).toBeNull();
    expect(duplicate?.events[0]?.duplicateOf).toBe(original?.events[0]?.id);
    expect(await store.countJobs()).toMatchObject({ pending: 12 });
  });

  it('ends a batch once its files hold batchBytes: large files are not all held in memory at once', async () => {
    const { spool, store, decoder } = await setUp();
    const deliveries = ['6101', '6102', '6103'].map((innerId, i) => orderDelivery(innerId, T0 + i * 10));
    for (const delivery of deliveries) await spool.write(delivery);
    const drainedIds: string[] = [];
    const drainer = testDrainer(spool, store, decoder, {
      // each file alone holds more than this: one file per batch, one commit each
      batchBytes: 1,
      onDrained: (delivery) => void drainedIds.push(delivery.id),
    });
    const commitsBefore = store.stats().commits;
    expect(await drainer.drainOnce()).toBe('empty');
    expect(drainedIds).toEqual(deliveries.map((delivery) => delivery.id));
    expect(store.stats().commits - commitsBefore).toBe(3);
  });

  it('stores spooled deliveries handed over together each in a savepoint: a refused one fails alone', async () => {
    const { store } = await setUp();
    const [first, refused, third] = ['7001', '7002', '7003'].map((innerId, i) =>
      orderDelivery(innerId, T0 + i * 10),
    ) as [SpooledDelivery, SpooledDelivery, SpooledDelivery];
    const content = (delivery: SpooledDelivery) => ({
      failure: { code: 'bench', message: `quarantined ${delivery.id}` },
    });
    // the binding a quarantined payment notification relies on is gone: PaymentClaimConflictError
    const binding = { subject: 'charge-that-does-not-exist', shop: 'demo', now: new Date(T0) };
    const commitsBefore = store.stats().commits;
    const results = await Promise.allSettled([
      store.storeSpooled(first, content(first), ['erp']),
      store.storeSpooled(refused, content(refused), ['erp'], { paymentBinding: binding }),
      store.storeSpooled(third, content(third), ['erp']),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(PaymentClaimConflictError);
    expect((await store.getDelivery(first.id))?.status).toBe('quarantined');
    expect(await store.getDelivery(refused.id)).toBeNull();
    expect((await store.getDelivery(third.id))?.status).toBe('quarantined');
    expect(store.stats().commits - commitsBefore).toBeLessThanOrEqual(2);
  });

  it('leaves the files while the store is unavailable and drains them, in order, once it is back', async () => {
    const { spool, store, drainer, drainedIds, cut, restore } = await setUp();
    const deliveries = [orderDelivery('4001', T0), orderDelivery('4002', T0 + 10)];
    for (const delivery of deliveries) await spool.write(delivery);
    await cut();
    try {
      expect(await drainer.drainOnce()).toBe('unavailable');
      expect(await spool.list()).toHaveLength(2);
    } finally {
      await restore();
    }
    drainer.start();
    await expect.poll(() => spool.figures().deliveries).toBe(0);
    await drainer.stop();
    expect(drainedIds).toEqual(deliveries.map((delivery) => delivery.id));
    expect((await store.listEvents()).items).toHaveLength(2);
  });
});

/**
 * The store behind `store`, refusing `storeSpooled` of one delivery with a store error that is not
 * "unavailable" (a conflict whose message quotes the delivery's data), as long as `refusing` says so.
 */
function refusingStore(store: Store, deliveryId: string, refusing: () => boolean): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'storeSpooled') {
        return (...args: Parameters<Store['storeSpooled']>) =>
          args[0].id === deliveryId && refusing()
            ? Promise.reject(new StoreConflictError(`refused: contact Erika Mustermann <erika@example.com>`))
            : target.storeSpooled(...args);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('spool drainer: a file the store refuses for another reason than being unavailable', () => {
  it('leaves it in the spool behind the others, tries it again each round, and logs its code only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-drain-refused-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { store: realStore } = await (engines[0] as Engine).open(dir);
    const decoder = new DeliveryDecoder();
    cleanups.push(() => realStore.close());
    cleanups.push(() => decoder.close());
    const spool = await Spool.open(join(dir, 'spool'), 64 * 1024 * 1024);
    const first = orderDelivery('5001', T0);
    const refused = orderDelivery('5002', T0 + 10);
    const third = orderDelivery('5003', T0 + 20);
    for (const delivery of [first, refused, third]) await spool.write(delivery);
    let refusing = true;
    const log = quietLog();
    const drainedIds: string[] = [];
    const drainer = testDrainer(
      spool,
      refusingStore(realStore, refused.id, () => refusing),
      decoder,
      {
        log,
        onDrained: (delivery) => void drainedIds.push(delivery.id),
      },
    );

    expect(await drainer.drainOnce()).toBe('left');
    expect(drainedIds).toEqual([first.id, third.id]);
    expect(await spool.list()).toEqual([`${refused.id}.delivery`]);
    expect(spool.figures().deliveries).toBe(1);
    expect(await realStore.getDelivery(refused.id)).toBeNull();
    // tried again on the next round, refused again, still there
    expect(await drainer.drainOnce()).toBe('left');
    expect(await spool.list()).toEqual([`${refused.id}.delivery`]);

    const refusals = log.lines.filter((line) => line.message.includes('refused by the store'));
    expect(refusals).toEqual(
      Array.from({ length: 2 }, () => ({
        level: 'error',
        fields: { deliveryId: refused.id, err: { code: 'conflict' } },
        message: 'spooled delivery refused by the store; left in the spool and tried again later',
      })),
    );
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain('Erika');
    expect(logged).not.toContain('erika@example.com');

    // the store takes it once the reason is gone: drained on the next round
    refusing = false;
    expect(await drainer.drainOnce()).toBe('empty');
    expect(drainedIds).toEqual([first.id, third.id, refused.id]);
    expect((await realStore.getDelivery(refused.id))?.status).toBe('stored');
  });
});

describe('spool drainer: a spooled payment notification without app mode', () => {
  it('is left in the spool, logged with spool_payments_off, while the webhook deliveries drain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-drain-payments-off-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { store } = await (engines[0] as Engine).open(dir);
    const decoder = new DeliveryDecoder();
    cleanups.push(() => store.close());
    cleanups.push(() => decoder.close());
    const spool = await Spool.open(join(dir, 'spool'), 64 * 1024 * 1024);
    const log = quietLog();
    const drainer = testDrainer(spool, store, decoder, { handlersFor: () => [], log });
    const payment = {
      ...orderDelivery('6001', T0),
      shop: 'payment-api',
      event: 'payment_status' as never,
      contentType: 'application/json',
      rawBody: Buffer.from('{"id":1,"status":"paid","time":1}'),
    };
    const order = orderDelivery('6002', T0 + 10);
    await spool.write(payment, 'payment_notification');
    await spool.write(order);

    expect(await drainer.drainOnce()).toBe('left');
    expect(await spool.list()).toEqual([`${payment.id}.delivery`]);
    expect(await store.getDelivery(payment.id)).toBeNull();
    expect((await store.getDelivery(order.id))?.status).toBe('stored');
    expect(log.lines.find((line) => line.message.includes('refused'))?.fields).toEqual({
      deliveryId: payment.id,
      err: { code: 'spool_payments_off' },
    });
  });
});

describe('spool drainer: a spooled app uninstall call', () => {
  it('waits (spool_uninstalls_off) without app mode while the deliveries around it drain, then goes to app mode in its place, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-drain-uninstall-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { store } = await (engines[0] as Engine).open(dir);
    const decoder = new DeliveryDecoder();
    cleanups.push(() => store.close());
    cleanups.push(() => decoder.close());
    const spool = await Spool.open(join(dir, 'spool'), 64 * 1024 * 1024);
    const log = quietLog();
    const drainer = testDrainer(spool, store, decoder, { handlersFor: () => [], log });
    const before = orderDelivery('7001', T0);
    const call = {
      ...orderDelivery('7002', T0 + 10),
      event: 'app_uninstalled' as never,
      contentType: 'application/x-www-form-urlencoded',
      rawBody: Buffer.from('shopname=demo&code=abc&timestamp=1&hmac=00'),
    };
    const after = orderDelivery('7003', T0 + 20);
    await spool.write(before);
    await spool.write(call, 'app_uninstall');
    await spool.write(after);

    expect(await drainer.drainOnce()).toBe('left');
    expect(await spool.list()).toEqual([`${call.id}.delivery`]);
    expect((await store.getDelivery(before.id))?.status).toBe('stored');
    expect((await store.getDelivery(after.id))?.status).toBe('stored');
    expect(log.lines.find((line) => line.message.includes('refused'))?.fields).toEqual({
      deliveryId: call.id,
      err: { code: 'spool_uninstalls_off' },
    });

    const applied: Array<{ id: string; shop: string; receivedAt: Date; body: string }> = [];
    drainer.drainUninstallsWith(async (delivery) => {
      applied.push({ ...delivery, body: delivery.rawBody.toString() });
      return { outcome: 'uninstalled', shop: delivery.shop };
    });
    expect(await drainer.drainOnce()).toBe('empty');
    expect(applied).toEqual([
      expect.objectContaining({
        id: call.id,
        shop: 'demo',
        receivedAt: new Date(T0 + 10),
        body: 'shopname=demo&code=abc&timestamp=1&hmac=00',
      }),
    ]);
    expect(await spool.list()).toEqual([]);
    expect(await drainer.drainOnce()).toBe('empty');
    expect(applied).toHaveLength(1);
    expect(
      log.lines.find(
        (line) => line.message === 'spooled delivery stored' && JSON.stringify(line.fields).includes(call.id),
      )?.fields,
    ).toMatchObject({ source: 'app_uninstall', outcome: 'uninstalled', shop: 'demo' });
  });
});
