/**
 * The set-based ingest (`srhooks_ingest_set`, migration 2) against the real PostgreSQL: it must store exactly
 * what the per-delivery path (`srhooks_ingest_batch`) stores, fall back to that path when its statement
 * fails, and keep one original per dedupe key when several instances ingest the same key at once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { prepareEvents } from '../prepared-event.js';
import { newId } from '../sortable-id.js';
import type { NewDelivery, NewEvent } from '../store.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import {
  type DeliveryWrite,
  INGEST_BATCH_SQL,
  INGEST_SET_SQL,
  ingestBatchArguments,
} from './pg-ingest-batch.js';
import { PgStore } from './pg-store.js';

const url = TEST_DATABASE_URL;
const nextSchema = testSchemas('srhooks_s');

const T0 = new Date('2026-03-02T10:00:00.000Z');

/**
 * A migrated schema, and a plain client whose search_path is that schema. `callerClock`: the client's new
 * jobs are due at their delivery's received_at (the test-only job clock, as PgStore's jobClock
 * 'caller' sets it) instead of when the server received the statement.
 */
async function migratedSchema(
  options: { callerClock?: boolean } = {},
): Promise<{ schema: string; client: pg.Client }> {
  const schema = nextSchema();
  const store = new PgStore({ url, schema, poolSize: 1 });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const clock = options.callerClock === true ? ' -c srhooks.job_clock=caller' : '';
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}${clock}` });
  await client.connect();
  return { schema, client };
}

/**
 * A migrated schema with: a plain client (`client`) for looking at the tables, a second connection
 * playing another receiver instance (`other`), and this instance's store; all closed afterwards.
 */
async function withOtherInstance(
  test: (context: { client: pg.Client; other: pg.Client; store: PgStore }) => Promise<void>,
): Promise<void> {
  const { schema, client } = await migratedSchema();
  const other = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await other.connect();
  const store = new PgStore({ url, schema, poolSize: 2 });
  try {
    await test({ client, other, store });
  } finally {
    await store.close();
    await other.end();
    await client.end();
  }
}

function write(
  shop: string,
  event: 'order_confirm' | 'order_status_change',
  keys: string[],
  handlers: string[],
  seconds: number,
): DeliveryWrite {
  const receivedAt = new Date(T0.getTime() + seconds * 1000);
  const events = prepareEvents(
    event,
    keys.map((key, i) => ({
      dedupeKey: key,
      subjectId: `${seconds}-${i}`,
      payload: {
        innerId: `${seconds}-${i}`,
        firstname: 'Anna',
        lastname: 'Kovács',
        total: '1200',
        currency: 'HUF',
      },
    })),
  );
  return {
    id: newId('dlv', receivedAt.getTime()),
    receivedAt,
    shop,
    event,
    remoteAddress: '203.0.113.7',
    headers: { 'user-agent': 'ShopRenter', n: String(seconds) },
    contentType: 'application/json',
    rawBody: Buffer.from(`{"n":${seconds},"keys":${JSON.stringify(keys)}}`),
    status: 'stored',
    error: null,
    events,
    eventIds: events.map(() => newId('evt', receivedAt.getTime())),
    handlers,
    jobIds: events.flatMap(() => handlers.map(() => newId('job', receivedAt.getTime()))),
  };
}

function quarantined(seconds: number): DeliveryWrite {
  return {
    ...write('demo', 'order_confirm', [], [], seconds),
    status: 'quarantined',
    error: { code: 'invalid_json', message: 'Unexpected end of JSON input' },
  };
}

async function call(client: pg.Client, sql: string, writes: DeliveryWrite[]) {
  return (await client.query(sql, ingestBatchArguments(writes))).rows;
}

/** Everything the ingest wrote, in a comparable form. */
async function contents(client: pg.Client) {
  const q = async (sql: string) => (await client.query(sql)).rows;
  return {
    deliveries: await q(`SELECT id, received_at, shop, event, remote_address, headers::text, content_type,
        encode(raw_body, 'hex') AS raw_body, status, decode_error_code, decode_error_message, reprocessed_at
      FROM deliveries ORDER BY id`),
    events: await q(`SELECT id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload::text,
        duplicate_of, order_number, customer_name, gross_total, currency, search_text, status, verification,
        verification_detail, held
      FROM events ORDER BY id`),
    jobs: await q(`SELECT id, event_id, handler, status, attempts, failures, min_attempt, run_at, lease_owner,
        lease_expires_at, last_error, last_status_code, created_at, updated_at, finished_at
      FROM jobs ORDER BY id`),
  };
}

/** One subtransaction wrote all of these deliveries (the set-based statement) or one each (the fallback). */
async function writerCount(client: pg.Client, deliveryIds: string[]): Promise<number> {
  const { rows } = await client.query(
    'SELECT count(DISTINCT xmin::text)::integer AS n FROM deliveries WHERE id = ANY ($1::text[])',
    [deliveryIds],
  );
  return rows[0]?.n as number;
}

describe('srhooks_ingest_set', () => {
  it('stores exactly what the per-delivery path stores, duplicates and jobs included, in one statement', async () => {
    // Jobs due at their delivery's time on both, so that the two paths' rows compare equal.
    const set = await migratedSchema({ callerClock: true });
    const perDelivery = await migratedSchema({ callerClock: true });
    try {
      const earlier = [write('demo', 'order_confirm', ['order:1', 'order:2'], ['erp', 'chat'], 0)];
      const batch = [
        // a stored key, a new key twice in one delivery
        write('demo', 'order_confirm', ['order:1', 'order:3', 'order:3'], ['erp', 'chat'], 1),
        quarantined(2),
        // no handlers: its new event is 'stored'; order:3 is a duplicate of the previous delivery's event
        write('demo', 'order_confirm', ['order:3', 'order:4'], [], 3),
        // the same keys for another event type or another shop are new
        write('demo', 'order_status_change', ['order:1', 'order:4'], ['erp'], 4),
        write('other', 'order_confirm', ['order:1'], ['erp'], 5),
        // a key new in this batch, then again later in the batch; and one stored key again
        write('demo', 'order_confirm', ['order:5'], ['erp'], 6),
        write('demo', 'order_confirm', ['order:2', 'order:5', 'order:4'], ['erp'], 7),
        write('demo', 'order_confirm', [], ['erp'], 8),
      ];
      for (const target of [set, perDelivery]) await call(target.client, INGEST_BATCH_SQL, earlier);

      const setRows = await call(set.client, INGEST_SET_SQL, batch);
      const perDeliveryRows = await call(perDelivery.client, INGEST_BATCH_SQL, batch);

      expect(setRows).toEqual(perDeliveryRows);
      const ids = (w: DeliveryWrite) => w.eventIds;
      const [stored1, stored2] = ids(earlier[0] as DeliveryWrite);
      const first3 = ids(batch[0] as DeliveryWrite)[1];
      const order5 = ids(batch[5] as DeliveryWrite)[0];
      const order4 = ids(batch[2] as DeliveryWrite)[1];
      expect(setRows).toEqual([
        {
          out_index: 1,
          out_duplicates: [stored1, null, first3],
          out_error_code: null,
          out_error_message: null,
        },
        { out_index: 2, out_duplicates: [], out_error_code: null, out_error_message: null },
        { out_index: 3, out_duplicates: [first3, null], out_error_code: null, out_error_message: null },
        { out_index: 4, out_duplicates: [null, null], out_error_code: null, out_error_message: null },
        { out_index: 5, out_duplicates: [null], out_error_code: null, out_error_message: null },
        { out_index: 6, out_duplicates: [null], out_error_code: null, out_error_message: null },
        {
          out_index: 7,
          out_duplicates: [stored2, order5, order4],
          out_error_code: null,
          out_error_message: null,
        },
        { out_index: 8, out_duplicates: [], out_error_code: null, out_error_message: null },
      ]);
      expect(await contents(set.client)).toEqual(await contents(perDelivery.client));
      // The set-based statement wrote the batch (one subtransaction), not the per-delivery fallback.
      expect(
        await writerCount(
          set.client,
          batch.map((w) => w.id),
        ),
      ).toBe(1);
      expect(
        await writerCount(
          perDelivery.client,
          batch.map((w) => w.id),
        ),
      ).toBe(batch.length);
    } finally {
      await set.client.end();
      await perDelivery.client.end();
    }
  });

  it("makes new jobs due when the server received the statement, not at the ingesting host's received_at, in both paths", async () => {
    // Migration 10: hosts' clocks differ; the deliveries here were received (T0) months before the server's now.
    const { client } = await migratedSchema();
    try {
      const serverNow = async () =>
        ((await client.query('SELECT clock_timestamp() AS now')).rows[0] as { now: Date }).now.getTime();
      const from = await serverNow();
      await call(client, INGEST_SET_SQL, [
        write('demo', 'order_confirm', ['order:1'], ['erp'], 1),
        write('demo', 'order_confirm', ['order:2', 'order:1'], ['erp', 'chat'], 2),
        write('demo', 'order_confirm', ['order:3'], ['erp'], 3),
        write('demo', 'order_confirm', ['order:4'], ['erp'], 4),
      ]);
      await call(client, INGEST_BATCH_SQL, [write('demo', 'order_confirm', ['order:5'], ['erp'], 5)]);
      const to = await serverNow();
      const { rows } = await client.query<{ run_at: Date; created_at: Date }>(
        'SELECT run_at, created_at FROM jobs ORDER BY id',
      );
      expect(rows).toHaveLength(6);
      for (const row of rows) {
        // Millisecond precision: the server's microseconds are cut off in the returned Date.
        expect(row.run_at.getTime()).toBeGreaterThanOrEqual(from - 1);
        expect(row.run_at.getTime()).toBeLessThanOrEqual(to);
        // What the call records keeps the caller's time.
        expect(row.created_at.getTime()).toBeLessThan(T0.getTime() + 10_000);
      }
    } finally {
      await client.end();
    }
  });

  it('stores payloads and headers (sent as json bytes) character for character, in both paths', async () => {
    const { client } = await migratedSchema();
    try {
      const text = 'Kovács Éva — „idézet” 😀 "quoted" back\\slash \u0000 nul, tab\t, ő/ű';
      const make = (seconds: number): DeliveryWrite => {
        const base = write('demo', 'order_confirm', [`key-${seconds}`], [], seconds);
        const events = prepareEvents('order_confirm', [
          { dedupeKey: `key-${seconds}`, subjectId: String(seconds), payload: { comment: text, n: seconds } },
        ]);
        return { ...base, headers: { 'user-agent': text, n: String(seconds) }, events };
      };
      const sets = [make(1), make(2)];
      const batch = [make(3)];
      await call(client, INGEST_SET_SQL, sets);
      await call(client, INGEST_BATCH_SQL, batch);
      const { rows } = await client.query(
        'SELECT d.headers::text AS headers, e.payload::text AS payload FROM deliveries d JOIN events e ON e.delivery_id = d.id ORDER BY d.id',
      );
      expect(rows).toHaveLength(3);
      for (const [index, row] of rows.entries()) {
        expect(JSON.parse(row.headers)).toEqual({ 'user-agent': text, n: String(index + 1) });
        expect(JSON.parse(row.payload)).toEqual({ comment: text, n: index + 1 });
      }
    } finally {
      await client.end();
    }
  });

  it('resolves duplicates inside one store batch in submission order, with one statement', async () => {
    const { schema, client } = await migratedSchema();
    const store = new PgStore({ url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const delivery: NewDelivery = jsonDelivery();
      const stored = await store.ingest(
        delivery,
        [{ dedupeKey: 'order:0', subjectId: null, payload: {} }],
        ['erp'],
      );
      const before = store.stats();
      const keys = ['order:1', 'order:0', 'order:1', 'order:2', 'order:1'];
      const results = await Promise.all(
        keys.map((key) =>
          store.ingest(delivery, [{ dedupeKey: key, subjectId: null, payload: {} }], ['erp']),
        ),
      );
      expect(store.stats().commits - before.commits).toBe(1);
      const first = results[0]?.events[0]?.id;
      expect(results.map((r) => r.events[0]?.duplicateOf)).toEqual([
        null,
        stored.events[0]?.id,
        first,
        null,
        first,
      ]);
      expect(results.map((r) => r.duplicates)).toEqual([0, 1, 1, 0, 1]);
      expect((await store.countJobs()).pending).toBe(3);
      expect(
        await writerCount(
          client,
          results.map((r) => r.deliveryId),
        ),
      ).toBe(1);
    } finally {
      await store.close();
      await client.end();
    }
  });

  it('falls back to the per-delivery path when one delivery is bad: only that one is rejected', async () => {
    const { client } = await migratedSchema();
    try {
      const bad = write('demo', 'order_confirm', [randomBytes(6000).toString('hex')], ['erp'], 2);
      const batch = [
        write('demo', 'order_confirm', ['order:1'], ['erp'], 1),
        bad,
        write('demo', 'order_confirm', ['order:1', 'order:2'], ['erp'], 3),
      ];
      const rows = await call(client, INGEST_SET_SQL, batch);
      const original = batch[0]?.eventIds[0];
      expect(rows.map((row) => [row.out_index, row.out_duplicates, row.out_error_code])).toEqual([
        [1, [null], null],
        [2, null, '54000'],
        [3, [original, null], null],
      ]);
      const stored = await contents(client);
      expect(stored.deliveries.map((d) => d.id)).toEqual([batch[0]?.id, batch[2]?.id]);
      expect(stored.events.map((e) => [e.dedupe_key, e.duplicate_of, e.status])).toEqual([
        ['order:1', null, 'pending'],
        ['order:1', original, 'duplicate'],
        ['order:2', null, 'pending'],
      ]);
      expect(stored.jobs).toHaveLength(2);
      // Each stored delivery has its own subtransaction: the per-delivery path wrote them.
      expect(await writerCount(client, [batch[0]?.id ?? '', batch[2]?.id ?? ''])).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('waits for another instance that is storing the same key, then records a duplicate of its event', async () => {
    await withOtherInstance(async ({ client, other, store }) => {
      // Another instance has stored order:1 but not committed yet.
      const theirs = write('demo', 'order_confirm', ['order:1'], ['erp'], 0);
      await other.query('BEGIN');
      await call(other, INGEST_SET_SQL, [theirs]);

      const event = (key: string): NewEvent => ({
        dedupeKey: key,
        subjectId: '1',
        payload: { innerId: '1' },
      });
      const delivery: NewDelivery = jsonDelivery();
      const ours = Promise.all([
        store.ingest(delivery, [event('order:0')], ['erp']),
        store.ingest(delivery, [event('order:1')], ['erp']),
        store.ingest(delivery, [event('order:2'), event('order:1')], ['erp']),
        store.ingest(delivery, [event('order:3')], ['erp']),
      ]);
      // Our statement blocks on their uncommitted key; give it time to get there.
      await waitForLockWait(client, other);
      await other.query('COMMIT');
      const results = await ours;

      // Our batch's set-based statement hit their key (unique violation) and the batch ran per delivery.
      expect(
        await writerCount(
          client,
          results.map((r) => r.deliveryId),
        ),
      ).toBe(4);
      const theirEvent = theirs.eventIds[0];
      expect(results.map((r) => r.events.map((e) => e.duplicateOf))).toEqual([
        [null],
        [theirEvent],
        [null, theirEvent],
        [null],
      ]);
      const { rows } = await client.query(
        `SELECT dedupe_key, count(*)::integer AS n FROM events WHERE duplicate_of IS NULL GROUP BY dedupe_key ORDER BY dedupe_key`,
      );
      expect(rows).toEqual([
        { dedupe_key: 'order:0', n: 1 },
        { dedupe_key: 'order:1', n: 1 },
        { dedupe_key: 'order:2', n: 1 },
        { dedupe_key: 'order:3', n: 1 },
      ]);
      expect((await store.countJobs()).pending).toBe(4);
    });
  });

  it('stores the key as new when the other instance rolls back', async () => {
    await withOtherInstance(async ({ client, other, store }) => {
      await other.query('BEGIN');
      await call(other, INGEST_SET_SQL, [write('demo', 'order_confirm', ['order:1'], ['erp'], 0)]);
      const ours = store.ingest(
        jsonDelivery(),
        [{ dedupeKey: 'order:1', subjectId: '1', payload: {} }],
        ['erp'],
      );
      await waitForLockWait(client, other);
      await other.query('ROLLBACK');
      const result = await ours;
      expect(result.duplicates).toBe(0);
      expect((await store.countJobs()).pending).toBe(1);
    });
  });

  it('keeps one original per key when two instances ingest the same keys at the same time', async () => {
    const { schema, client } = await migratedSchema();
    const stores = [1, 2].map(() => new PgStore({ url, schema, poolSize: 3 }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const delivery: NewDelivery = jsonDelivery();
      const keys = Array.from({ length: 12 }, (_, i) => `order:${i}`);
      // Each instance sends every key several times, in a different order, in several rounds of batches.
      const results = await Promise.all(
        stores.flatMap((store, s) =>
          Array.from({ length: 120 }, (_, i) => {
            const key = keys[(s === 0 ? i : 7 * i + 3) % keys.length] ?? '';
            const second = keys[(i + 5) % keys.length] ?? '';
            return store.ingest(
              delivery,
              [
                { dedupeKey: key, subjectId: null, payload: { i } },
                { dedupeKey: second, subjectId: null, payload: { i } },
              ],
              ['erp'],
            );
          }),
        ),
      );
      const originals = (
        await client.query('SELECT dedupe_key, id FROM events WHERE duplicate_of IS NULL ORDER BY dedupe_key')
      ).rows as Array<{ dedupe_key: string; id: string }>;
      expect(originals.map((row) => row.dedupe_key).sort()).toEqual([...keys].sort());
      const originalOf = new Map(originals.map((row) => [row.dedupe_key, row.id]));
      for (const result of results) {
        for (const event of result.events) {
          const original = originalOf.get(event.dedupeKey);
          expect(event.duplicateOf === null ? event.id : event.duplicateOf).toBe(original);
        }
      }
      const counts = (
        await client.query(
          `SELECT (SELECT count(*) FROM events)::integer AS events, (SELECT count(*) FROM jobs)::integer AS jobs,
             (SELECT count(*) FROM events e WHERE duplicate_of IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id))::integer AS duplicates_without_jobs`,
        )
      ).rows[0];
      expect(counts).toEqual({ events: 480, jobs: keys.length, duplicates_without_jobs: 480 - keys.length });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await client.end();
    }
  });
});

/**
 * Until some backend waits on a lock of `other`'s (the other instance's uncommitted key). Only those that
 * `other` blocks: other suites' receivers wait on their own transactions on the same server.
 */
async function waitForLockWait(client: pg.Client, other: pg.Client): Promise<void> {
  const otherPid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const { rows } = await client.query(
      `SELECT count(*)::integer AS n FROM pg_stat_activity
       WHERE application_name = 'srhooks-receiver' AND wait_event_type = 'Lock' AND wait_event = 'transactionid'
         AND $1 = ANY(pg_blocking_pids(pid))`,
      [otherPid],
    );
    if ((rows[0]?.n as number) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the receiver never waited for the other instance’s uncommitted key');
}
