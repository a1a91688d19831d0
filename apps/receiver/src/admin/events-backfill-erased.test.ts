/**
 * A backfill leaves out the events whose personal data was erased (`srhooks erase`): their payload is
 * gone and the store refuses to replay them. Before the fix the backfill counted such an event as one to
 * replay (dry run) and then failed on it with a 409 after replaying the others, so each retry replayed
 * those again. Now it is counted under `skipped.erased`, in the dry run and the real run, and the rest is
 * replayed; also when the event is erased after the window was read (the store's refusal counts the same).
 * Real stores (tmp SQLite, PostgreSQL schema), through AdminOperations as `POST /events/backfill` calls it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { HandlerConfig } from '../config/config-schema.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import {
  ingestSamples,
  openPostgres,
  openSqlite,
  tempDir,
} from '../processing/test-support/processing-fixtures.js';
import type { Store } from '../store/store.js';
import { testSchemas } from '../test-support/postgres-schema.js';
import { AdminOperations } from './admin-operations.js';

const tmp = tempDir('backfill-erased');
const newSchema = testSchemas('rcv_bferase');
afterAll(() => tmp.cleanup());

const HOUR_MS = 3_600_000;
const REASON = 'GDPR-2026-077';
const NONE_SKIPPED = { duplicate: 0, held: 0, notRouted: 0, uninstalled: 0, waiting: 0, hasJob: 0 };

/** Three orders an hour ago, their erp jobs run (succeeded); ids oldest first. */
async function seed(store: Store): Promise<string[]> {
  const ingested = await ingestSamples(store, {
    handlers: ['erp'],
    receivedAt: new Date(Date.now() - HOUR_MS),
    count: 3,
  });
  for (const job of await store.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 })) {
    await store.completeJob(job.id, { attempt: job.attempt });
  }
  return ingested.events.map((event) => event.id);
}

async function erase(store: Store, eventId: string): Promise<void> {
  const result = await store.erasePersonalData({
    eventIds: [eventId],
    reason: REASON,
    dryRun: false,
    includeUnfinished: true,
  });
  expect(result.erased).toBe(true);
}

function operations(store: Store): AdminOperations {
  return new AdminOperations({
    store,
    handlers: new HandlerRegistry({
      shops: [{ name: 'demo', handlers: ['erp'] } as never],
      handlers: { erp: { type: 'log' } as HandlerConfig },
    }),
    config: { bodyLimit: 1_000_000, storeTimeoutMs: 10_000, shops: [] },
  });
}

/** `store` whose listEvents erases `eventId` once the page is read: erased between the read and its replay. */
function erasingAfterList(store: Store, eventId: string): Store {
  let erased = false;
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'listEvents') return value.bind(target);
      return async (...args: Parameters<Store['listEvents']>) => {
        const page = await target.listEvents(...args);
        if (!erased) {
          erased = true;
          await erase(target, eventId);
        }
        return page;
      };
    },
  });
}

async function erpJob(store: Store, eventId: string) {
  return (await store.getEvent(eventId))?.jobs.find((job) => job.handler === 'erp');
}

describe.each<[string, () => Promise<Store>]>([
  ['SQLite', () => openSqlite(`${tmp.dir}/backfill-${Math.random().toString(36).slice(2)}.db`)],
  ['PostgreSQL', () => openPostgres(newSchema())],
])('backfill of a window with an erased event on %s', (_engine, open) => {
  const window = () => ({ handler: 'erp', from: new Date(Date.now() - 2 * HOUR_MS) });

  it('counts the erased event as skipped (erased) in the dry run and the real run, and replays the rest', async () => {
    const store = await open();
    try {
      const [first, erased, last] = (await seed(store)) as [string, string, string];
      await erase(store, erased);

      const dry = await operations(store).backfill({ ...window(), dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, events: 2, skipped: { ...NONE_SKIPPED, erased: 1 } });
      expect(await erpJob(store, first)).toMatchObject({ status: 'succeeded' });

      const run = await operations(store).backfill(window());
      expect(run).toMatchObject({ dryRun: false, events: 2, skipped: { ...NONE_SKIPPED, erased: 1 } });
      expect(await erpJob(store, first)).toMatchObject({ status: 'pending' });
      expect(await erpJob(store, last)).toMatchObject({ status: 'pending' });
      expect(await erpJob(store, erased)).toMatchObject({ status: 'succeeded' });
    } finally {
      await store.close();
    }
  });

  it('counts an event erased after the window was read as skipped (erased), not as a failure', async () => {
    const store = await open();
    try {
      const [first, erased, last] = (await seed(store)) as [string, string, string];

      const run = await operations(erasingAfterList(store, erased)).backfill(window());

      expect(run).toMatchObject({ events: 2, skipped: { ...NONE_SKIPPED, erased: 1 } });
      expect(await erpJob(store, first)).toMatchObject({ status: 'pending' });
      expect(await erpJob(store, last)).toMatchObject({ status: 'pending' });
      expect(await erpJob(store, erased)).toMatchObject({ status: 'succeeded' });
    } finally {
      await store.close();
    }
  });
});
