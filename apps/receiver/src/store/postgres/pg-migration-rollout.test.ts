/**
 * PostgreSQL migrations during a rolling upgrade: new receivers migrate the shared store while old ones
 * still ingest deliveries (ShopRenter posts each once: an ingest that waits past storeTimeoutMs is a 503,
 * a lost order). Asserted by what other connections see (pg_locks, rows committed), never by times:
 *
 * - a step that waits longer than the store's query timeout (a lock, a long index build), and a second
 *   instance waiting that long for the migration lock, do not fail the start;
 * - migration 11's indexes on a large table are built CONCURRENTLY: an old receiver's ingest is not held
 *   off while a build waits for the old receiver's open transaction; an INVALID index an interrupted
 *   build left is dropped and built again; the indexes are the same as a fresh store's;
 * - the rewrites of migrations 8, 12 and 13 commit page by page (rows rewritten are visible and not
 *   locked while the next page runs), the version is recorded only at the end, and a migration cut off in
 *   the middle is finished by the next start.
 *
 * bench/pg-migration-bench.mjs measures the same on 200,000 events.
 */
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { StoreUnavailableError } from '../store-errors.js';
import { CONTACT_CUSTOMER, CONTACT_EVENTS } from '../test-support/search-text-migration.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { applyPgMigrations, PG_MIGRATIONS } from './pg-migrations.js';
import { PgStore } from './pg-store.js';

const url = TEST_DATABASE_URL;
const nextSchema = testSchemas('srhooks_mig');
const MIGRATION_11_INDEXES = [
  'deliveries_shop',
  'events_shop',
  'deliveries_recovery',
  'events_recovery',
  'events_duplicate_of',
];

async function connect(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  return client;
}

/** A new schema at the versions before `version` (applied as the receiver does, on a connection of its own). */
async function storeBefore(version: number): Promise<string> {
  const schema = nextSchema();
  const client = await connect(schema);
  try {
    await applyPgMigrations(
      client,
      schema,
      PG_MIGRATIONS.filter((migration) => migration.version < version),
    );
  } finally {
    await client.end();
  }
  return schema;
}

/**
 * An old receiver's store: it has checked the schema before the upgrade began (rows marking the
 * versions from `version` on as applied, removed after), so its ingest does not migrate.
 */
async function oldReceiverStore(schema: string, version: number, admin: pg.Client): Promise<PgStore> {
  const later = PG_MIGRATIONS.filter((migration) => migration.version >= version).map((m) => m.version);
  await admin.query(
    `INSERT INTO schema_migrations (version, name) SELECT v, 'marked applied for an old receiver (removed after its check)' FROM unnest($1::integer[]) v`,
    [later],
  );
  const store = new PgStore({ url, schema, poolSize: 2 });
  await store.ingest(
    jsonDelivery({ shop: 'oldshop' }),
    [{ dedupeKey: 'old-1', subjectId: '1', payload: {} }],
    [],
  );
  await admin.query('DELETE FROM schema_migrations WHERE version = ANY($1)', [later]);
  return store;
}

/**
 * Starts every store's migration at once: each settles to 'done' or its error message; `waiting()` says
 * whether one of them has reported waiting for another's migration lock.
 */
function migrateTogether(stores: PgStore[]): { migrations: Promise<string>[]; waiting: () => boolean } {
  let waiting = false;
  const migrations = stores.map((store) =>
    store
      .migrate((progress) => {
        if (progress.step === 'waiting-for-lock') waiting = true;
      })
      .then(
        () => 'done',
        (error: Error) => error.message,
      ),
  );
  return { migrations, waiting: () => waiting };
}

/**
 * Polls until `check` is true; gives up after a minute (a guard so that a failing test ends and closes its
 * connections, whose open transactions would hold the other tests' concurrent builds; not a timing check).
 */
async function until(check: () => Promise<boolean>): Promise<void> {
  const giveUp = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > giveUp) throw new Error('the awaited state was never reached');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Backends of `schema`'s tables (the admin connection's schema) waiting for a lock (not granted), by the
 * start of their query. Only those with a lock on a table of the schema, held or wanted: other suites'
 * backends wait on the same server (a row lock of theirs is no ingest of this test held off).
 */
async function waitingQueries(admin: pg.Client): Promise<string[]> {
  const { rows } = await admin.query<{ query: string }>(
    `SELECT a.query FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
        AND EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = a.pid AND NOT w.granted)
        AND EXISTS (SELECT 1 FROM pg_locks r JOIN pg_class c ON c.oid = r.relation
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE r.pid = a.pid AND n.nspname = current_schema())`,
  );
  return rows.map((row) => row.query.trim().slice(0, 60));
}

async function versions(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((row) => row.version);
}

async function indexDefinitions(admin: pg.Client, schema: string): Promise<Map<string, string>> {
  const { rows } = await admin.query<{ name: string; def: string; valid: boolean }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2)`,
    [schema, MIGRATION_11_INDEXES],
  );
  return new Map(
    rows.map((row) => [row.name, `${row.valid ? '' : 'INVALID '}${row.def.replaceAll(schema, 'S')}`]),
  );
}

/**
 * A TCP forwarder to the real server that can go silent: the connections stay open but nothing passes
 * either way any more (a network partition, a server that hangs), as a cut connection would not.
 */
class SilentProxy {
  readonly #server = net.createServer((socket) => this.#forward(socket));
  readonly #sockets = new Set<net.Socket>();
  #silent = false;

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    return (this.#server.address() as net.AddressInfo).port;
  }

  silence(): void {
    this.#silent = true;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(5432, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on('close', () => this.#sockets.delete(from));
      from.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      from.on('data', (chunk) => {
        if (!this.#silent) to.write(chunk);
      });
    }
  }
}

describe('PostgreSQL migrations while other receivers use the store', { timeout: 120_000 }, () => {
  it('a step waiting longer than the query timeout, and a second instance waiting that long for the migration lock, still complete', async () => {
    const schema = await storeBefore(11);
    const admin = await connect(schema);
    const holder = await connect(schema);
    const stores = [0, 1].map(() => new PgStore({ url, schema, poolSize: 2, queryTimeoutMs: 300 }));
    try {
      // Something holds the table the next version builds indexes on (a long statement, a backup).
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE');
      const { migrations, waiting } = migrateTogether(stores);
      // One waits for the table, the other for the migration lock; both longer than the query timeout.
      await until(
        async () => waiting() && (await waitingQueries(admin)).some((query) => /CREATE INDEX/i.test(query)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await holder.query('COMMIT');
      expect(await Promise.all(migrations)).toEqual(['done', 'done']);
      expect(await versions(admin)).toEqual(PG_MIGRATIONS.map((migration) => migration.version));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await holder.end();
      await admin.end();
    }
  });

  it("migration 11 on a large table builds its indexes concurrently: an old receiver's ingest is not held off", async () => {
    const schema = await storeBefore(11);
    const admin = await connect(schema);
    const old = await oldReceiverStore(schema, 11, admin);
    const oldTransaction = await connect(schema);
    const store = new PgStore({ url, schema, poolSize: 2, migrationIndexInlineMaxBytes: 0 });
    let stop = false;
    try {
      // An old receiver's write transaction still open: any index build on deliveries waits for it.
      await oldTransaction.query('BEGIN');
      await oldTransaction.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
         VALUES ('open-1', now(), 'oldshop', 'order_confirm', '203.0.113.7', '{}', 'text/plain', '\\x00', 'stored')`,
      );
      const migrated = store.migrate();
      await until(async () => (await waitingQueries(admin)).some((query) => /CREATE INDEX/i.test(query)));

      // Meanwhile the old receiver stores a delivery: stored, or seen waiting for a lock behind the build.
      const blocked = (async () => {
        await until(
          async () =>
            stop || (await waitingQueries(admin)).some((query) => !/CREATE INDEX|advisory/i.test(query)),
        );
        return 'waiting for a lock';
      })();
      const outcome = await Promise.race([
        old
          .ingest(
            jsonDelivery({ shop: 'oldshop' }),
            [{ dedupeKey: 'old-2', subjectId: '2', payload: {} }],
            [],
          )
          .then(() => 'stored'),
        blocked,
      ]);
      stop = true;
      expect(outcome).toBe('stored');

      await oldTransaction.query('COMMIT');
      await migrated;
      expect(await versions(admin)).toEqual(PG_MIGRATIONS.map((migration) => migration.version));
      // The same indexes a fresh store gets (built in its transaction), valid.
      const fresh = await storeBefore(17);
      expect(await indexDefinitions(admin, schema)).toEqual(await indexDefinitions(admin, fresh));
    } finally {
      stop = true;
      await oldTransaction.end();
      await store.close();
      await old.close();
      await admin.end();
    }
  });

  it('two instances starting together on a large store: the one waiting for the migration lock does not deadlock with the concurrent build', async () => {
    const schema = await storeBefore(11);
    const admin = await connect(schema);
    const oldTransaction = await connect(schema);
    const stores = [0, 1].map(
      () => new PgStore({ url, schema, poolSize: 2, migrationIndexInlineMaxBytes: 0 }),
    );
    try {
      // The build waits for an old receiver's open transaction, long enough for the other instance to
      // wait for the migration lock (a CREATE INDEX CONCURRENTLY also waits for any transaction with an
      // older snapshot: one waiting in pg_advisory_lock was a deadlock, detected after deadlock_timeout).
      await oldTransaction.query('BEGIN');
      await oldTransaction.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
         VALUES ('open-1', now(), 'oldshop', 'order_confirm', '203.0.113.7', '{}', 'text/plain', '\\x00', 'stored')`,
      );
      const { migrations, waiting } = migrateTogether(stores);
      await until(
        async () => waiting() && (await waitingQueries(admin)).some((query) => /CREATE INDEX/i.test(query)),
      );
      const { rows } = await admin.query<{ ms: number }>(
        `SELECT extract(epoch FROM current_setting('deadlock_timeout')::interval) * 1000 AS ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, Number(rows[0]?.ms ?? 1000) + 1000));
      await oldTransaction.query('COMMIT');
      expect(await Promise.all(migrations)).toEqual(['done', 'done']);
      expect(await versions(admin)).toEqual(PG_MIGRATIONS.map((migration) => migration.version));
    } finally {
      await oldTransaction.end();
      await Promise.all(stores.map((store) => store.close()));
      await admin.end();
    }
  });

  it('migration 11 drops an INVALID index an interrupted concurrent build left and builds it again', async () => {
    const schema = await storeBefore(11);
    const admin = await connect(schema);
    const store = new PgStore({ url, schema, poolSize: 2, migrationIndexInlineMaxBytes: 0 });
    try {
      // A failed CREATE INDEX CONCURRENTLY leaves its index INVALID (here: unique over two equal rows).
      await admin.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
         SELECT 'x' || g, now(), 'sameshop', 'order_confirm', '203.0.113.7', '{}', 'text/plain', '\\x00', 'stored'
         FROM generate_series(1, 2) g`,
      );
      await expect(
        admin.query('CREATE UNIQUE INDEX CONCURRENTLY deliveries_shop ON deliveries (shop)'),
      ).rejects.toThrow();
      expect((await indexDefinitions(admin, schema)).get('deliveries_shop')).toMatch(/^INVALID /);

      await store.migrate();
      const fresh = await storeBefore(17);
      expect(await indexDefinitions(admin, schema)).toEqual(await indexDefinitions(admin, fresh));
    } finally {
      await store.close();
      await admin.end();
    }
  });

  it('migration 12 rewrites page by page, each committed; the version is recorded at the end; a start cut off is finished by the next', async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    await first.ingest(
      jsonDelivery(),
      CONTACT_EVENTS.map((contact) => contact.event),
      [],
    );
    await first.close();
    const admin = await connect(schema);
    const holder = await connect(schema);
    const cut = new PgStore({ url, schema, poolSize: 1 });
    const next = new PgStore({ url, schema, poolSize: 1 });
    try {
      await admin.query(
        `UPDATE events AS e SET search_text = x.search_text
           FROM unnest($1::text[], $2::text[]) AS x (subject, search_text) WHERE e.subject_id = x.subject`,
        [
          CONTACT_EVENTS.map((contact) => contact.event.subjectId),
          CONTACT_EVENTS.map((contact) => contact.before),
        ],
      );
      await admin.query('DELETE FROM schema_migrations WHERE version = 12');
      // The first page's first event, and one on the second page (1000 events a page) locked by another
      // transaction (an old receiver's job outcome, say), so the rewrite stops there.
      const firstRow = (await admin.query<{ id: string }>('SELECT id FROM events ORDER BY id LIMIT 1'))
        .rows[0]?.id;
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM events WHERE subject_id = $1 FOR UPDATE', [
        CONTACT_CUSTOMER.event.subjectId,
      ]);
      const cutOff = cut.migrate().then(
        () => 'done',
        () => 'failed',
      );
      await until(async () => (await waitingQueries(admin)).some((query) => /UPDATE events/i.test(query)));

      // The first page is committed: another connection reads it rewritten, and may update it.
      const { rows } = await admin.query<{ search_text: string }>(
        'SELECT search_text FROM events WHERE id = $1',
        [firstRow],
      );
      expect(rows[0]?.search_text).toContain('@example.hu');
      await admin.query(`SET lock_timeout = '2s'`);
      await admin.query(`UPDATE events SET verification = verification WHERE id = $1`, [firstRow]);
      await admin.query('RESET lock_timeout');
      expect(await versions(admin)).not.toContain(12);

      // The start is cut off (its connection ends) in the middle; the next start finishes the rewrite. Only
      // this start's backend: the one the holder blocks (other suites' migrations run on the same server).
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE query LIKE 'UPDATE events AS e SET search_text%' AND $1 = ANY(pg_blocking_pids(pid))`,
        [holderPid],
      );
      expect(await cutOff).toBe('failed');
      await holder.query('ROLLBACK');
      await next.migrate();
      expect(await versions(admin)).toContain(12);
      const found = (await next.listEvents({ q: 'kovacs.eva@gmail.com' })).items.map(
        (event) => event.subjectId,
      );
      expect(found).toEqual([CONTACT_CUSTOMER.event.subjectId]);
      expect((await next.listEvents({ q: 'szabo0@example.hu' })).items).toHaveLength(1);
    } finally {
      await holder.end();
      await cut.close();
      await next.close();
      await admin.end();
    }
  });
  it('a migration whose server stops answering fails the start (StoreUnavailableError) instead of waiting without end', async () => {
    const schema = await storeBefore(11);
    const admin = await connect(schema);
    const proxy = new SilentProxy();
    const port = await proxy.start();
    const proxied = new URL(url);
    proxied.host = `127.0.0.1:${port}`;
    const store = new PgStore({
      url: proxied.toString(),
      schema,
      poolSize: 2,
      connectTimeoutMs: 500,
      queryTimeoutMs: 500,
      migrationCheckMs: 200,
    });
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE');
      const migrated = store.migrate().then(
        () => 'done',
        (error: unknown) => error,
      );
      const checker = await connect(schema);
      try {
        await until(async () => (await waitingQueries(checker)).some((query) => /CREATE INDEX/i.test(query)));
      } finally {
        await checker.end();
      }
      proxy.silence();
      const outcome = await migrated;
      expect(outcome).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await admin.query('ROLLBACK').catch(() => {});
      await proxy.close();
      await store.close();
      await admin.end();
    }
  });
});
