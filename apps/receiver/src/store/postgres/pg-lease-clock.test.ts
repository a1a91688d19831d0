/**
 * PgStore's default lease clock: the database server's. Callers whose clocks are an hour off (their
 * `now`) get leases that end leaseMs after the server received the claim or renewal, and whether a lease
 * has ended is decided on the server's clock: a caller ahead cannot take over a live lease, a caller
 * behind still takes over one that ran out. (The store contract runs with the caller's clock, as it
 * moves time through `now`; see pg-store.test.ts.)
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  uniqueSchema,
} from '../../processing/test-support/processing-fixtures.js';
import { waitFor } from '../../processing/test-support/wait-for.js';
import { TEST_DATABASE_URL } from '../../test-support/postgres-schema.js';
import type { ClaimedJob, Store } from '../store.js';

const HOUR_MS = 3_600_000;
const schema = uniqueSchema('srhooks_lease_clock');
let store: Store;
let peer: Store;
const server = new pg.Client({ connectionString: TEST_DATABASE_URL });

beforeAll(async () => {
  store = await openPostgres(schema);
  peer = await openPostgres(schema);
  await server.connect();
});
afterAll(async () => {
  await server.end();
  await peer.close();
  await store.close();
  await dropSchema(schema);
});

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

async function leaseEnd(job: ClaimedJob): Promise<number> {
  const detail = await store.getEvent(job.eventId);
  return detail?.jobs.find((candidate) => candidate.id === job.id)?.leaseExpiresAt?.getTime() ?? Number.NaN;
}

it('ends a lease leaseMs after the server received the claim or renewal, whatever the caller says is now', async () => {
  await ingestSamples(store, { handlers: ['lease-end'], receivedAt: new Date(Date.now() - 2 * HOUR_MS) });
  const behind = () => new Date(Date.now() - HOUR_MS);
  const ahead = () => new Date(Date.now() + HOUR_MS);

  const claim = await onServerClock(() =>
    store.claimJobs({
      workerId: 'behind',
      handlers: ['lease-end'],
      limit: 1,
      leaseMs: 60_000,
      now: behind(),
    }),
  );
  const job = claim.value[0] as ClaimedJob;
  expect(job).toBeDefined();
  // Millisecond precision: the server's microseconds are cut off in the returned Date.
  expect(job.leaseExpiresAt.getTime()).toBeGreaterThanOrEqual(claim.from + 60_000 - 1);
  expect(job.leaseExpiresAt.getTime()).toBeLessThanOrEqual(claim.to + 60_000);

  const renewal = await onServerClock(() =>
    store.extendLeases([{ jobId: job.id, attempt: job.attempt }], { leaseMs: 120_000, now: ahead() }),
  );
  expect(renewal.value.renewed).toEqual([job.id]);
  expect(await leaseEnd(job)).toBeGreaterThanOrEqual(renewal.from + 120_000 - 1);
  expect(await leaseEnd(job)).toBeLessThanOrEqual(renewal.to + 120_000);

  const single = await onServerClock(() =>
    store.extendLease(job.id, { attempt: job.attempt, leaseMs: 30_000, now: behind() }),
  );
  expect(single.value.applied).toBe(true);
  expect(await leaseEnd(job)).toBeGreaterThanOrEqual(single.from + 30_000 - 1);
  expect(await leaseEnd(job)).toBeLessThanOrEqual(single.to + 30_000);
});

it('lets no caller take over a live lease, however far ahead its clock, and any caller one that ran out', async () => {
  await ingestSamples(store, {
    handlers: ['takeover'],
    receivedAt: new Date(Date.now() - 2 * HOUR_MS),
    firstId: 2000,
  });
  const claimOn = (target: Store, workerId: string, offsetMs: number, leaseMs: number) =>
    target.claimJobs({
      workerId,
      handlers: ['takeover'],
      limit: 1,
      leaseMs,
      now: new Date(Date.now() + offsetMs),
    });

  const [held] = await claimOn(store, 'holder', 0, 1500);
  expect(held).toBeDefined();
  // A day ahead: the lease has not run out on the server's clock.
  expect(await claimOn(peer, 'ahead', 24 * HOUR_MS, 60_000)).toEqual([]);

  // Once it ran out on the server's clock, a caller an hour behind takes it over (claimed: its handler is not called here).
  const [taken] = await waitFor(async () => {
    const claimed = await claimOn(peer, 'behind', -HOUR_MS, 60_000);
    return claimed.length > 0 ? claimed : null;
  }, 'the lease to run out and be taken over');
  expect(taken).toMatchObject({ id: held?.id, attempt: 2 });
  const log = (await store.getEvent(held?.eventId ?? ''))?.jobs[0]?.attemptLog;
  expect(log?.map((attempt) => [attempt.workerId, attempt.outcome])).toEqual([
    ['holder', 'expired'],
    ['behind', 'claimed'],
  ]);
});
