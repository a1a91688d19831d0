/**
 * PgStore's default job clock for due times: the database server's. Several receivers share the jobs and
 * their host clocks may differ: a job's due time (new, retried, released, replayed) is set and compared
 * on the server's clock, whatever the caller says is now. Before, each caller's `now` decided: a worker
 * ten minutes behind left new jobs waiting ten minutes, one ten minutes ahead ran a retry before its
 * backoff, and a host ten minutes ahead stored its jobs due ten minutes late. (Leases: pg-lease-clock
 * .test.ts; the store contract runs with the caller's clock, as it moves time through `now`.)
 */
import { dedupeKey, sampleOrder } from '@srhooks/contracts';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  uniqueSchema,
} from '../../processing/test-support/processing-fixtures.js';
import { TEST_DATABASE_URL } from '../../test-support/postgres-schema.js';
import type { ClaimedJob, NewDelivery, Store } from '../store.js';

const TEN_MINUTES_MS = 600_000;
const schema = uniqueSchema('srhooks_due_clock');
let store: Store;
const server = new pg.Client({ connectionString: TEST_DATABASE_URL });

beforeAll(async () => {
  store = await openPostgres(schema);
  await server.connect();
});
afterAll(async () => {
  await server.end();
  await store.close();
  await dropSchema(schema);
});

const behind = () => new Date(Date.now() - TEN_MINUTES_MS);
const ahead = () => new Date(Date.now() + TEN_MINUTES_MS);

/** The database server's clock (ms). */
async function serverNow(): Promise<number> {
  const row = (await server.query('SELECT clock_timestamp() AS now')).rows[0] as { now: Date };
  return row.now.getTime();
}

/** `call`, with the server's clock read right before and right after it. */
async function onServerClock<T>(call: () => Promise<T>): Promise<{ value: T; from: number; to: number }> {
  const from = await serverNow();
  const value = await call();
  return { value, from, to: await serverNow() };
}

/** A job's stored due time (ms). */
async function runAt(eventId: string, handler: string): Promise<number> {
  const job = (await store.getEvent(eventId))?.jobs.find((candidate) => candidate.handler === handler);
  return job?.runAt.getTime() ?? Number.NaN;
}

/** `time` lies within [from + offsetMs, to + offsetMs] (millisecond precision: microseconds are cut off). */
function expectWithin(time: number, window: { from: number; to: number }, offsetMs = 0): void {
  expect(time).toBeGreaterThanOrEqual(window.from + offsetMs - 1);
  expect(time).toBeLessThanOrEqual(window.to + offsetMs);
}

function claim(handler: string, now: Date): Promise<ClaimedJob[]> {
  return store.claimJobs({ workerId: `w-${handler}`, handlers: [handler], limit: 10, leaseMs: 60_000, now });
}

function orderDelivery(innerId: string, receivedAt: Date): { delivery: NewDelivery; key: string } {
  const order = { ...sampleOrder(innerId), innerId };
  return {
    delivery: {
      shop: 'demo',
      event: 'order_confirm',
      receivedAt,
      remoteAddress: '203.0.113.9',
      headers: { 'user-agent': 'ShopRenter' },
      contentType: 'application/json',
      rawBody: Buffer.from(JSON.stringify({ orders: { order: [order] } })),
    },
    key: dedupeKey('demo', 'order_confirm', order),
  };
}

it('makes a new job due when the server stored it, whatever the ingesting host says is now', async () => {
  // A host ten minutes ahead, through the batched ingest, a recovery pass and a re-processing.
  const batched = await onServerClock(() =>
    ingestSamples(store, { handlers: ['new-due'], receivedAt: ahead(), firstId: 1000 }),
  );
  expectWithin(await runAt(batched.value.events[0]?.id ?? '', 'new-due'), batched);

  const recovered = orderDelivery('1001', ahead());
  const alone = await onServerClock(() =>
    store.ingest(
      { ...recovered.delivery, source: 'recovery' },
      [{ dedupeKey: recovered.key, subjectId: '1001', payload: { innerId: '1001' } }],
      ['new-due'],
    ),
  );
  expectWithin(await runAt(alone.value.events[0]?.id ?? '', 'new-due'), alone);

  const later = orderDelivery('1002', ahead());
  const { deliveryId } = await store.quarantine(later.delivery, { code: 'invalid_json', message: 'bad' });
  const reprocessed = await onServerClock(() =>
    store.reprocessQuarantined(
      deliveryId,
      [{ dedupeKey: later.key, subjectId: '1002', payload: { innerId: '1002' } }],
      ['new-due'],
      { now: ahead() },
    ),
  );
  expectWithin(await runAt(reprocessed.value.events[0]?.id ?? '', 'new-due'), reprocessed);

  // A worker ten minutes behind claims all three at once.
  expect(await claim('new-due', behind())).toHaveLength(3);
});

it("makes a retry due its backoff after the server received the failure, and claims on the server's clock", async () => {
  await ingestSamples(store, {
    handlers: ['retry-ahead', 'retry-on-time'],
    receivedAt: new Date(),
    firstId: 2000,
  });
  const [fromAhead] = await claim('retry-ahead', ahead());
  const [onTime] = await claim('retry-on-time', new Date());
  expect(fromAhead).toBeDefined();
  expect(onTime).toBeDefined();
  const eventId = fromAhead?.eventId ?? '';

  // A worker ten minutes ahead schedules a 30 s backoff: due 30 s from now on the server's clock.
  const failed = await onServerClock(() => {
    const now = ahead();
    return store.failJob(fromAhead?.id ?? '', {
      attempt: fromAhead?.attempt ?? 0,
      error: 'HTTP 503',
      retryAt: new Date(now.getTime() + 30_000),
      now,
    });
  });
  expect(failed.value).toEqual({ applied: true, status: 'pending' });
  expectWithin(await runAt(eventId, 'retry-ahead'), failed, 30_000);
  // …so a worker on time does not wait ten minutes more, nor runs it before its backoff.
  expect(await claim('retry-ahead', new Date())).toEqual([]);

  // A worker on time schedules a 60 s backoff; a worker ten minutes ahead must not run it now.
  const now = new Date();
  await store.failJob(onTime?.id ?? '', {
    attempt: onTime?.attempt ?? 0,
    error: 'HTTP 503',
    retryAt: new Date(now.getTime() + 60_000),
    now,
  });
  expect(await claim('retry-on-time', ahead())).toEqual([]);
});

it('makes a released or replayed job due at once on the server, whatever the caller says is now', async () => {
  const ingested = await ingestSamples(store, {
    handlers: ['released', 'replayed'],
    receivedAt: new Date(),
    firstId: 3000,
  });
  const eventId = ingested.events[0]?.id ?? '';
  const [released] = await claim('released', new Date());
  const release = await onServerClock(() =>
    store.releaseJob(released?.id ?? '', {
      attempt: released?.attempt ?? 0,
      reason: 'stopping',
      now: ahead(),
    }),
  );
  expect(release.value).toEqual({ applied: true, status: 'pending' });
  expectWithin(await runAt(eventId, 'released'), release);
  expect(await claim('released', behind())).toHaveLength(1);

  const [replayed] = await claim('replayed', new Date());
  await store.failJob(replayed?.id ?? '', {
    attempt: replayed?.attempt ?? 0,
    error: 'gone',
    deadLetter: true,
  });
  const replay = await onServerClock(() => store.replayEvent(eventId, { handler: 'replayed', now: ahead() }));
  expect(replay.value.jobs.map((job) => job.status)).toEqual(['pending']);
  expectWithin(await runAt(eventId, 'replayed'), replay);
  expect(await claim('replayed', behind())).toHaveLength(1);
});
