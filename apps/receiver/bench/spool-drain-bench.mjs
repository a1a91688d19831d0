#!/usr/bin/env node
/**
 * Spool drain benchmark: after an outage, how fast does the drainer move the spooled backlog into the
 * store, compared with the same store taking the same deliveries directly? ShopRenter never resends, so
 * the spool keeps the orders of an outage; while it drains, new deliveries are stored directly — the
 * slower the drain, the older the backlog gets behind them.
 *
 * For each engine (SQLite in a temp folder; PostgreSQL in a schema of this run, dropped after, when
 * DATABASE_URL — default postgres://postgres@127.0.0.1:5432/test — answers), with N real-format order
 * deliveries (the captured order_confirm multipart body, a unique innerId each, one `dlv_` id each, their
 * arrival times spread over the outage as the ingest path gives them):
 *
 *   floor:  the store's direct ingest of the N deliveries in a fresh store — decoded as the receiver decodes
 *           them, then `Store.ingest` with BENCH_SPOOL_CONCURRENCY calls in flight (the receiver under load:
 *           group commit on both engines). Measured before and after the drain; the floor is their mean.
 *   spool:  the N deliveries written with the real spool writer (one durable file each) into a temp folder,
 *           BENCH_SPOOL_CONCURRENCY at a time; spooled/s is reported for reference.
 *   drain:  the real drainer (`SpoolDrainer.drainOnce`, the receiver's decode and handlers) into another
 *           fresh store, until the folder is empty; drained/s. Every delivery is checked to be stored once.
 *
 * The result is drained/s ÷ floor (direct ingest/s), both measured in this run: how much of the store's
 * own ingest rate the drain reaches. No absolute target. Prints one line per run, the last line is JSON.
 * Needs `pnpm --filter @srhooks/receiver build` first (imports dist/).
 * Env: BENCH_SPOOL_DELIVERIES (default 5000), BENCH_SPOOL_CONCURRENCY (default 50), BENCH_SPOOL_BATCH
 * (the drainer's batch size; default the receiver's),
 * BENCH_ONLY (comma-separated engines: sqlite, postgres), DATABASE_URL.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DATABASE_URL, round } from './ingest-common.mjs';
import { deliveryTemplate } from './ingest-load.mjs';

const DELIVERIES = Math.max(1, Math.round(Number(process.env.BENCH_SPOOL_DELIVERIES ?? 5000)));
const CONCURRENCY = Math.max(1, Math.round(Number(process.env.BENCH_SPOOL_CONCURRENCY ?? 50)));
/** The drainer's batch size (default: the receiver's, DRAIN_BATCH_SIZE). */
const BATCH = process.env.BENCH_SPOOL_BATCH ? Number(process.env.BENCH_SPOOL_BATCH) : undefined;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const SHOP = 'demo';
const EVENT = 'order_confirm';
const HANDLERS = ['out'];
/** The outage the deliveries arrived in: spread evenly over this long, ending now. */
const OUTAGE_MS = 10 * 60_000;

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
if (!existsSync(new URL('../dist/spool/spool-drainer.js', import.meta.url))) {
  throw new Error('dist/ missing: run `pnpm --filter @srhooks/receiver build` first');
}
const { Spool } = await import(dist('spool/spool.js'));
const { SpoolDrainer } = await import(dist('spool/spool-drainer.js'));
const { spooledContent } = await import(dist('spool/spooled-content.js'));
const { DeliveryDecoder } = await import(dist('ingest/delivery-decoder.js'));
const { createStore } = await import(dist('store/create-store.js'));
const { newId } = await import(dist('store/sortable-id.js'));

const BODY_LIMIT = 1024 * 1024;
const decoder = new DeliveryDecoder();
const contentOf = (delivery) =>
  spooledContent(decoder, delivery, BODY_LIMIT, (error) => {
    throw error;
  });

/** The N deliveries, in arrival order (ids sort by arrival, as the ingest path allocates them). */
function makeDeliveries() {
  const { contentType, before, after } = deliveryTemplate();
  const end = Date.now();
  return Array.from({ length: DELIVERIES }, (_, i) => {
    const receivedAt = new Date(end - OUTAGE_MS + Math.floor((i * OUTAGE_MS) / DELIVERIES));
    return {
      id: newId('dlv', receivedAt.getTime()),
      shop: SHOP,
      event: EVENT,
      receivedAt,
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': contentType, 'user-agent': 'ShopRenter' },
      contentType,
      rawBody: Buffer.from(`${before}${2_000_000 + i}${after}`),
    };
  });
}

/** Runs `task` over `items` with at most `limit` in flight; resolves when all are done. */
async function inFlight(items, limit, task) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Engines: a fresh store each time `open` is called, removed by `dispose`. */
async function engines() {
  const list = [];
  if (ONLY.length === 0 || ONLY.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-spool-drain-bench-db-'));
    let opened = 0;
    list.push({
      name: 'sqlite',
      open: async () => createStore({ kind: 'sqlite', file: join(dir, `store-${opened++}.db`) }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    });
  }
  if (ONLY.length === 0 || ONLY.includes('postgres')) {
    const reachable = await postgresReachable();
    if (reachable === true) {
      const schemas = [];
      list.push({
        name: 'postgres',
        open: async () => {
          const schema = `bench_spool_drain_${process.pid}_${schemas.length}`;
          schemas.push(schema);
          const store = createStore({ kind: 'postgres', url: DATABASE_URL, schema, shareChanges: false });
          await store.migrate();
          return store;
        },
        dispose: async () => {
          const client = new pg.Client({ connectionString: DATABASE_URL });
          await client.connect();
          try {
            for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await client.end();
          }
        },
      });
    } else {
      process.stderr.write(`postgres: skipped (${DATABASE_URL} did not answer: ${reachable})\n`);
    }
  }
  return list;
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** How many deliveries the store holds (the listing's pages, followed to the end). */
async function storedDeliveries(store) {
  let count = 0;
  let cursor;
  do {
    const page = await store.listDeliveries({ limit: 500, ...(cursor ? { cursor } : {}) });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

/** The floor: the deliveries decoded and ingested directly, CONCURRENCY calls in flight. */
async function directIngest(engine, deliveries) {
  const store = await engine.open();
  try {
    store.warmUp?.();
    const started = performance.now();
    await inFlight(deliveries, CONCURRENCY, async (delivery) => {
      const content = await contentOf(delivery);
      if ('failure' in content) throw new Error(`bench delivery did not decode: ${content.failure.code}`);
      await store.ingest(delivery, content.events, HANDLERS);
    });
    const ms = performance.now() - started;
    const stored = await storedDeliveries(store);
    if (stored !== deliveries.length)
      throw new Error(`direct ingest stored ${stored} of ${deliveries.length}`);
    return { ms, perSecond: (deliveries.length / ms) * 1000 };
  } finally {
    await store.close();
  }
}

const silentLog = { info() {}, warn() {}, error: (_fields, message) => process.stderr.write(`${message}\n`) };

/** Spools the deliveries with the real writer, then drains them with the real drainer into a fresh store. */
async function spoolAndDrain(engine, deliveries) {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-spool-drain-bench-spool-'));
  const store = await engine.open();
  try {
    const spool = await Spool.open(dir, 16 * 1024 ** 3);
    const spoolStarted = performance.now();
    await inFlight(deliveries, CONCURRENCY, (delivery) => spool.write(delivery));
    const spoolMs = performance.now() - spoolStarted;
    if (spool.figures().deliveries !== deliveries.length) throw new Error('not every delivery was spooled');

    store.warmUp?.();
    const drainer = new SpoolDrainer({
      spool,
      store,
      contentOf,
      handlersFor: () => HANDLERS,
      log: silentLog,
      storeTimeoutMs: 30_000,
      ...(BATCH === undefined ? {} : { batchSize: BATCH }),
    });
    const started = performance.now();
    let rounds = 0;
    let outcome;
    do {
      outcome = await drainer.drainOnce();
      rounds += 1;
    } while (outcome !== 'empty' && rounds < 100);
    const ms = performance.now() - started;
    const left = spool.figures().deliveries;
    const stored = await storedDeliveries(store);
    if (left !== 0 || stored !== deliveries.length) {
      throw new Error(`drain left ${left} files and stored ${stored} of ${deliveries.length}`);
    }
    return {
      spoolMs,
      spooledPerSecond: (deliveries.length / spoolMs) * 1000,
      ms,
      perSecond: (deliveries.length / ms) * 1000,
      rounds,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {};
const list = await engines();
try {
  for (const engine of list) {
    const deliveries = makeDeliveries();
    try {
      const floorBefore = await directIngest(engine, deliveries);
      const drain = await spoolAndDrain(engine, deliveries);
      const floorAfter = await directIngest(engine, deliveries);
      const floor = (floorBefore.perSecond + floorAfter.perSecond) / 2;
      const ratio = drain.perSecond / floor;
      results[engine.name] = {
        deliveries: DELIVERIES,
        directIngestPerSecond: round(floor, 1),
        directIngestSpread: [
          round(Math.min(floorBefore.perSecond, floorAfter.perSecond), 1),
          round(Math.max(floorBefore.perSecond, floorAfter.perSecond), 1),
        ],
        spooledPerSecond: round(drain.spooledPerSecond, 1),
        drainedPerSecond: round(drain.perSecond, 1),
        drainMs: Math.round(drain.ms),
        drainRounds: drain.rounds,
        drainVsDirectIngest: round(ratio, 3),
      };
      process.stderr.write(
        `${engine.name}: ${DELIVERIES} deliveries — direct ingest ${round(floor, 1)}/s ` +
          `[${round(floorBefore.perSecond, 1)} before, ${round(floorAfter.perSecond, 1)} after]; ` +
          `spooled ${round(drain.spooledPerSecond, 1)}/s; drained ${round(drain.perSecond, 1)}/s ` +
          `(${(drain.ms / 1000).toFixed(1)} s): drain ÷ direct ingest ${round(ratio, 3)}\n`,
      );
    } catch (error) {
      results[engine.name] = { error: error instanceof Error ? error.message : String(error) };
      process.stderr.write(`${engine.name}: failed: ${results[engine.name].error}\n`);
    }
  }
} finally {
  for (const engine of list) await engine.dispose().catch(() => {});
  await decoder.close();
}
process.stdout.write(
  `${JSON.stringify({ bench: 'receiver-spool-drain', concurrency: CONCURRENCY, results })}\n`,
);
process.exitCode = Object.values(results).every((result) => result.error === undefined) ? 0 : 1;
