/**
 * Several receiver instances on one PostgreSQL schema pruning at the same moment: one run at a time, and
 * every instance reports true numbers — the run that prunes reports what it deleted and kept, one that
 * finds it pruning says it skipped (retention, the admin API) instead of reporting zeros it never counted.
 * Instance A is held inside its run by a trigger (its DELETE of deliveries waits for a lock the test holds).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startAdminReceiver } from '../admin/test-support/admin-test-receiver.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { type PruneCounts, PruneInProgressError, type Store } from '../store/store.js';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const newSchema = testSchemas('rcv_prune2');
const DAY_MS = 86_400_000;
const OLD = () => new Date(Date.now() - 40 * DAY_MS);
const BEFORE = () => new Date(Date.now() - 30 * DAY_MS);

/** 6 old deliveries that may go, 2 old quarantined ones that are kept. */
async function seed(store: Store): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await store.ingest(
      jsonDelivery({ receivedAt: OLD() }),
      [{ dedupeKey: `order:${i}`, subjectId: String(i), payload: {} }],
      [],
    );
  }
  for (let i = 0; i < 2; i++) {
    await store.quarantine(jsonDelivery({ receivedAt: OLD() }), { code: 'x', message: 'undecodable' });
  }
}

/** Makes every DELETE of a delivery in `schema` wait for a lock this connection holds, until `release`. */
async function holdDeletes(schema: string) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  const key = 7_400_000 + Math.floor(Math.random() * 100_000);
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  await client.query(`CREATE FUNCTION srhooks_test_hold() RETURNS trigger AS $$
    BEGIN PERFORM pg_advisory_xact_lock(${key}::bigint); RETURN OLD; END $$ LANGUAGE plpgsql`);
  await client.query(
    'CREATE TRIGGER srhooks_test_hold BEFORE DELETE ON deliveries FOR EACH ROW EXECUTE FUNCTION srhooks_test_hold()',
  );
  return {
    /** A prune's DELETE waits at the trigger now. */
    async waiting(): Promise<boolean> {
      const { rows } = await client.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1",
        [key],
      );
      return rows.length > 0;
    },
    async release(): Promise<void> {
      // Unlock first: dropping the trigger waits for the held prune's transaction to end.
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      await client.query('DROP TRIGGER srhooks_test_hold ON deliveries');
      await client.end();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('pruning with several instances on one PostgreSQL schema', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('store: the instance that finds another pruning deletes nothing and says so; the pruning one reports true counts', async () => {
    const schema = newSchema();
    const [a, b] = [1, 2].map(() => new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 3 })) as [
      PgStore,
      PgStore,
    ];
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await a.migrate();
    await b.migrate();
    await seed(a);
    const hold = await holdDeletes(schema);
    let released = false;
    closers.push(async () => {
      if (!released) await hold.release();
    });

    const first = a.prune({ before: BEFORE() });
    await until(() => hold.waiting(), "instance A's prune to reach its DELETE");
    // B at the same moment: it did not prune, and does not pretend it found nothing to keep.
    await expect(b.prune({ before: BEFORE() })).rejects.toBeInstanceOf(PruneInProgressError);
    // A dry run deletes nothing and takes no turn: it counts what is there now.
    expect(await b.prune({ before: BEFORE(), dryRun: true })).toEqual({
      deliveries: 6,
      events: 6,
      jobs: 0,
      kept: 2,
    });

    released = true;
    await hold.release();
    const counts: PruneCounts = await first;
    expect(counts).toEqual({ deliveries: 6, events: 6, jobs: 0, kept: 2, paymentBindings: 0 });
    // B's next run, once A's is over: nothing left to delete, and the 2 kept ones counted as kept.
    expect(await b.prune({ before: BEFORE() })).toEqual({
      deliveries: 0,
      events: 0,
      jobs: 0,
      kept: 2,
      paymentBindings: 0,
    });
  });

  it('receiver: retention and POST /admin/api/prune on the second instance report that they skipped', async () => {
    const schema = newSchema();
    const config = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, retentionDays: 30 };
    const receivers: TestReceiver[] = [];
    for (let i = 0; i < 2; i++) {
      const receiver = await startAdminReceiver(config);
      receivers.push(receiver);
      closers.push(() => receiver.close());
    }
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    await seed(a.app.store);
    const hold = await holdDeletes(schema);
    let released = false;
    closers.push(async () => {
      if (!released) await hold.release();
    });

    const first = a.app.runRetention?.();
    await until(() => hold.waiting(), "instance A's retention to reach its DELETE");
    expect(await b.app.runRetention?.()).toEqual({ skipped: 'another_instance_pruning' });
    expect(
      b.logLines.some((line) => line.includes('retention: skipped, another instance is pruning this store')),
    ).toBe(true);
    const onDemand = await fetch(`${b.baseUrl}/admin/api/prune`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ olderThanDays: 30 }),
    });
    expect(onDemand.status).toBe(409);
    expect(((await onDemand.json()) as { error: { code: string } }).error.code).toBe('prune_in_progress');

    released = true;
    await hold.release();
    expect(await first).toEqual({ deliveries: 6, events: 6, jobs: 0, kept: 2, paymentBindings: 0 });
  });
});
