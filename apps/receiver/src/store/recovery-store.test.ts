/**
 * The store's recovery parts on both engines: events keep their source, a recovered event and a real
 * delivery of the same event are duplicates of each other in either order, the watermark only moves
 * forward, and one pass per shop at a time (PostgreSQL: across instances).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { PgStore } from './postgres/pg-store.js';
import type { RecoveryPass } from './recovery-records.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { NewDelivery, Store } from './store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const nextSchema = testSchemas('srhooks_rec');

const engines: Array<[string, () => Promise<{ store: Store; peer: () => Promise<Store> }>]> = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'srhooks-recovery-'));
      dirs.push(dir);
      const store = new SqliteStore({ file: join(dir, 'db.sqlite') });
      await store.migrate();
      return { store, peer: async () => store };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = nextSchema();
      const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, shareChanges: false });
      await store.migrate();
      return {
        store,
        peer: async () => new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, shareChanges: false }),
      };
    },
  ],
];

function delivery(source: 'webhook' | 'recovery', at: Date): NewDelivery {
  return {
    shop: 'demo',
    event: 'order_confirm',
    receivedAt: at,
    remoteAddress: source === 'recovery' ? 'recovery' : '203.0.113.7',
    headers: {},
    contentType: 'application/json',
    rawBody: Buffer.from('{"orders":{"order":[]}}'),
    source,
  };
}

const order = (innerId: string) => ({
  dedupeKey: `order:${innerId}`,
  subjectId: innerId,
  payload: { innerId },
});

function pass(outcome: 'ok' | 'failed', at: Date): RecoveryPass {
  return {
    startedAt: at,
    finishedAt: at,
    outcome,
    since: new Date(at.getTime() - 60_000),
    ordersRead: 3,
    subscribersRead: 0,
    recovered: { order_confirm: 1 },
    alreadyStored: 2,
    error: outcome === 'failed' ? 'GET /orders answered 503' : null,
  };
}

describe.each(engines)('recovery in the store (%s)', (_name, open) => {
  it('stores the source; recovered and real events of one order are duplicates either way round', async () => {
    const { store } = await open();
    try {
      const t = new Date('2026-12-01T10:00:00Z');
      const recovered = await store.ingest(delivery('recovery', t), [order('1')], ['log']);
      const real = await store.ingest(
        delivery('webhook', new Date(t.getTime() + 1000)),
        [order('1'), order('2')],
        ['log'],
      );
      expect(real.events.map((e) => e.duplicateOf)).toEqual([recovered.events[0]?.id, null]);
      const late = await store.ingest(
        delivery('recovery', new Date(t.getTime() + 2000)),
        [order('2')],
        ['log'],
      );
      expect(late.events[0]?.duplicateOf).toBe(real.events[1]?.id);
      const sources = (await store.listEvents({ shop: 'demo' })).items.map((e) => [
        e.subjectId,
        e.source,
        e.status,
      ]);
      expect(sources).toEqual([
        ['2', 'recovery', 'duplicate'],
        ['2', 'webhook', 'pending'],
        ['1', 'webhook', 'duplicate'],
        ['1', 'recovery', 'pending'],
      ]);
      expect((await store.listEvents({ source: 'recovery' })).items).toHaveLength(2);
      expect((await store.listDeliveries({ source: 'recovery' })).items.map((d) => d.source)).toEqual([
        'recovery',
        'recovery',
      ]);
      const jobs = await store.claimJobs({
        workerId: 'w',
        limit: 10,
        leaseMs: 10_000,
        now: new Date(t.getTime() + 5000),
      });
      expect(jobs.map((j) => [j.subjectId, j.source]).sort()).toEqual([
        ['1', 'recovery'],
        ['2', 'webhook'],
      ]);
      expect((await store.knownDedupeKeys('demo', 'order_confirm', ['order:1', 'order:9'])).sort()).toEqual([
        'order:1',
      ]);
      expect(await store.knownSubjects('demo', 'order_confirm', ['2', '9'])).toEqual(['2']);
      expect(await store.knownSubjects('demo', 'abandoned_cart', ['2'])).toEqual([]);
      expect(await store.lastDeliveryAt('demo')).toEqual(new Date(t.getTime() + 1000));
      expect(await store.lastDeliveryAt('other')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('keeps the watermark moving forward only and counts failures in a row', async () => {
    const { store } = await open();
    try {
      const t = new Date('2026-12-01T10:00:00Z');
      expect(await store.getRecoveryState('demo')).toBeNull();
      await store.recordRecoveryPass('demo', { pass: pass('ok', t), watermark: t });
      await store.recordRecoveryPass('demo', { pass: pass('failed', t), watermark: null });
      await store.recordRecoveryPass('demo', {
        pass: pass('failed', t),
        watermark: new Date(t.getTime() - 5000),
      });
      const state = await store.getRecoveryState('demo');
      expect(state).toMatchObject({ shop: 'demo', watermark: t, consecutiveFailures: 2 });
      expect(state?.lastPass).toMatchObject({
        outcome: 'failed',
        error: 'GET /orders answered 503',
        ordersRead: 3,
      });
      const later = new Date(t.getTime() + 60_000);
      await store.recordRecoveryPass('demo', { pass: pass('ok', later), watermark: later });
      expect(await store.getRecoveryState('demo')).toMatchObject({
        watermark: later,
        consecutiveFailures: 0,
      });
      expect((await store.listRecoveryStates()).map((s) => s.shop)).toEqual(['demo']);
    } finally {
      await store.close();
    }
  });

  it('a failed on-demand pass is the last pass but leaves the failures in a row as they were', async () => {
    const { store } = await open();
    try {
      const t = new Date('2026-12-01T10:00:00Z');
      // The shop's first pass an on-demand failure: a row with no failures in a row.
      await store.recordRecoveryPass('other', {
        pass: { ...pass('failed', t), onDemand: true },
        watermark: null,
      });
      expect(await store.getRecoveryState('other')).toMatchObject({
        consecutiveFailures: 0,
        watermark: null,
      });
      await store.recordRecoveryPass('demo', { pass: pass('failed', t), watermark: null });
      for (let i = 1; i <= 3; i++)
        await store.recordRecoveryPass('demo', {
          pass: { ...pass('failed', new Date(t.getTime() + i * 1000)), onDemand: true },
          watermark: null,
        });
      const state = await store.getRecoveryState('demo');
      expect(state?.consecutiveFailures).toBe(1);
      expect(state?.lastPass).toMatchObject({ outcome: 'failed', onDemand: true });
      expect(state?.lastPass?.startedAt).toEqual(new Date(t.getTime() + 3000));
      await store.recordRecoveryPass('demo', { pass: pass('failed', t), watermark: null });
      expect((await store.getRecoveryState('demo'))?.consecutiveFailures).toBe(2);
      expect((await store.getRecoveryState('demo'))?.lastPass?.onDemand).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('runs one pass per shop at a time', async () => {
    const { store, peer } = await open();
    const other = await peer();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      let holding: () => void = () => {};
      const locked = new Promise<void>((resolve) => {
        holding = resolve;
      });
      // Waits until the first pass holds the lock (not a fixed pause: on a loaded machine taking it can
      // take longer, and the second try would then win it).
      const first = store.withRecoveryLock('demo', async () => {
        holding();
        await held;
        return 'first';
      });
      await locked;
      expect(await other.withRecoveryLock('demo', async () => 'second')).toEqual({ acquired: false });
      expect(await other.withRecoveryLock('another-shop', async () => 'third')).toEqual({
        acquired: true,
        value: 'third',
      });
      release();
      expect(await first).toEqual({ acquired: true, value: 'first' });
      expect(await other.withRecoveryLock('demo', async () => 'after')).toEqual({
        acquired: true,
        value: 'after',
      });
    } finally {
      // A failed expectation must still end the first pass, or closing the store waits for it forever.
      release();
      if (other !== store) await other.close();
      await store.close();
    }
  });
});
