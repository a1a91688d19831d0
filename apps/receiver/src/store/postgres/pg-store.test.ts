import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import type { NewDelivery } from '../store.js';
import {
  PruneInProgressError,
  StoreConfigError,
  StoreUnavailableError,
  StoreVersionError,
} from '../store-errors.js';
import { NAMED_EVENTS } from '../test-support/name-order-migration.js';
import { searchTextMigrationCases } from '../test-support/search-text-migration-cases.js';
import { defineStoreContract, expectGroupCommit, jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';
import { pgText } from './pg-text.js';

const url = TEST_DATABASE_URL;
const nextSchema = testSchemas('srhooks_t');

// The contract moves time by passing `now`, leases included: leases on the caller's clock (as on
// SQLite). The server's lease clock, the production default, is tested in pg-lease-clock.test.ts.
defineStoreContract('postgres', {
  open: async () => {
    const store = new PgStore({ url, schema: nextSchema(), poolSize: 4, jobClock: 'caller' });
    await store.migrate();
    return store;
  },
  openPeer: async (store) =>
    new PgStore({ url, schema: (store as PgStore).schema ?? undefined, poolSize: 4, jobClock: 'caller' }),
});

const delivery: NewDelivery = jsonDelivery();

/** A TCP forwarder to the real server that can be cut and restored, to simulate the database going away. */
class CuttableProxy {
  readonly #server = net.createServer((socket) => this.#forward(socket));
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(5432, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}

describe('PgStore', () => {
  it('rejects with StoreUnavailableError when nothing listens on the port', async () => {
    const store = new PgStore({ url: 'postgres://postgres@127.0.0.1:1/test', schema: nextSchema() });
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ingest(delivery, [], [])).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await store.close();
    }
  });

  it('gives up after the connect timeout when the server accepts but never answers', async () => {
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as net.AddressInfo;
    const store = new PgStore({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 300 });
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 5000);

  it('recovers by itself when the database comes back', async () => {
    const proxy = new CuttableProxy();
    await proxy.start();
    const proxiedUrl = `postgres://postgres@127.0.0.1:${proxy.port}/test`;
    const store = new PgStore({ url: proxiedUrl, schema: nextSchema(), poolSize: 2 });
    try {
      await store.migrate();
      await store.ingest(delivery, [{ dedupeKey: 'a', subjectId: '1', payload: { innerId: '1' } }], ['erp']);

      await proxy.cut();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        store.ingest(delivery, [{ dedupeKey: 'b', subjectId: '2', payload: { innerId: '2' } }], []),
      ).rejects.toBeInstanceOf(StoreUnavailableError);

      const restored = new CuttableProxy();
      await restored.start(proxy.port);
      try {
        await store.ping();
        const result = await store.ingest(
          delivery,
          [{ dedupeKey: 'b', subjectId: '2', payload: { innerId: '2' } }],
          [],
        );
        expect(result.duplicates).toBe(0);
        expect((await store.listEvents()).items.map((event) => event.dedupeKey)).toEqual(['b', 'a']);
      } finally {
        await store.close();
        await restored.cut();
      }
    } finally {
      await store.close();
    }
  });

  it('lets two instances starting together apply each migration exactly once', async () => {
    const schema = nextSchema();
    const stores = [1, 2, 3].map(() => new PgStore({ url, schema, poolSize: 2 }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      await Promise.all(stores.map((store) => store.migrate()));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
        );
        expect(rows).toEqual([
          { version: 1 },
          { version: 2 },
          { version: 3 },
          { version: 4 },
          { version: 5 },
          { version: 6 },
          { version: 7 },
          { version: 8 },
          { version: 9 },
          { version: 10 },
          { version: 11 },
          { version: 12 },
          { version: 13 },
          { version: 14 },
          { version: 15 },
          { version: 16 },
          { version: 17 },
          { version: 18 },
          { version: 19 },
          { version: 20 },
          { version: 21 },
          { version: 22 },
          { version: 23 },
          { version: 24 },
          { version: 25 },
          { version: 26 },
          { version: 27 },
        ]);
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('migration 8 writes stored customer names family name first, composed again from the payloads', async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    await first.ingest(
      jsonDelivery(),
      NAMED_EVENTS.map((named) => named.event),
      [],
    );
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The schema as a receiver before version 8 left it: names given name first.
      await client.query(
        `UPDATE "${schema}".events AS e SET customer_name = x.name
           FROM unnest($1::text[], $2::text[]) AS x (subject, name) WHERE e.subject_id = x.subject`,
        [
          NAMED_EVENTS.map((named) => named.event.subjectId),
          NAMED_EVENTS.map((named) => (named.before === null ? null : pgText(named.before))),
        ],
      );
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version = 8`);

      const second = new PgStore({ url, schema, poolSize: 1 });
      await second.migrate();
      await second.close();
      const { rows } = await client.query<{ subject_id: string; customer_name: string | null }>(
        `SELECT subject_id, customer_name FROM "${schema}".events`,
      );
      const names = new Map(rows.map((row) => [row.subject_id, row.customer_name]));
      expect(names.size).toBe(NAMED_EVENTS.length);
      for (const named of NAMED_EVENTS) {
        expect(names.get(named.event.subjectId ?? '')).toBe(
          named.after === null ? null : pgText(named.after),
        );
      }
    } finally {
      await client.end();
    }
  });

  /** A query on the server, the store closed. */
  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  searchTextMigrationCases({
    migrations: { contacts: 12, severalPhones: 13 },
    newPlace: nextSchema,
    open: (schema) => new PgStore({ url, schema, poolSize: 1 }),
    async searchTexts(schema) {
      const rows = await query<{ subject_id: string; search_text: string }>(
        `SELECT subject_id, search_text FROM "${schema}".events`,
      );
      return new Map(rows.map((row) => [row.subject_id, row.search_text]));
    },
    async setSearchTexts(schema, texts) {
      await query(
        `UPDATE "${schema}".events AS e SET search_text = x.search_text
           FROM unnest($1::text[], $2::text[]) AS x (subject, search_text) WHERE e.subject_id = x.subject`,
        [texts.map((entry) => entry.subjectId), texts.map((entry) => entry.text)],
      );
    },
    async forgetMigration(schema, version) {
      await query(`DELETE FROM "${schema}".schema_migrations WHERE version = $1`, [version]);
    },
    async forgetSearchTextVersions(schema, recordedAt) {
      if (recordedAt === undefined) {
        // the schema below 27
        await query(`DROP TABLE IF EXISTS "${schema}".search_text_versions`);
        await query(`DELETE FROM "${schema}".schema_migrations WHERE version >= 27`);
      } else {
        await query(`DELETE FROM "${schema}".search_text_versions WHERE version > $1`, [recordedAt]);
      }
    },
    recordedSearchTextVersions: (schema) =>
      query(`SELECT version FROM "${schema}".search_text_versions ORDER BY version`),
  });

  it("migration 9 rewrites a disabled handler's reason an earlier receiver stored with the target's 410 body", async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    await first.disableHandler('erp', {
      reason: 'https://erp.example/hook?k=1 answered 410: customer Kovács Éva is gone; the target is gone',
    });
    await first.disableHandler('crm', { reason: 'HTTP 410 Gone from crm.example; the target is gone' });
    await first.enableHandler('wms');
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version = 9`);
    } finally {
      await client.end();
    }

    const second = new PgStore({ url, schema, poolSize: 1 });
    await second.migrate();
    const states = new Map((await second.listHandlerStates()).map((state) => [state.handler, state]));
    await second.close();
    expect(states.get('erp')).toMatchObject({
      disabled: true,
      reason:
        'HTTP 410 Gone (recorded by an earlier receiver; the answer is no longer kept): fix the URL, then enable the handler again',
    });
    expect(states.get('crm')?.reason).toBe('HTTP 410 Gone from crm.example; the target is gone');
    expect(states.get('wms')).toMatchObject({ disabled: false, reason: null });
  });

  it('migration 14 records who disabled a handler: those disabled before were disabled by their target', async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    await first.disableHandler('erp', { reason: 'HTTP 410 Gone from erp.example; the target is gone' });
    await first.enableHandler('wms');
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`ALTER TABLE "${schema}".handler_states DROP COLUMN disabled_by`);
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version = 14`);
    } finally {
      await client.end();
    }

    const second = new PgStore({ url, schema, poolSize: 1 });
    await second.migrate();
    const states = new Map((await second.listHandlerStates()).map((state) => [state.handler, state]));
    await second.close();
    expect(states.get('erp')).toMatchObject({ disabled: true, disabledBy: 'target' });
    expect(states.get('wms')).toMatchObject({ disabled: false, disabledBy: null });
  });

  it('migration 17 adds where a delivery failed to decode: those quarantined before read as not recorded', async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    const before = await first.quarantine(delivery, {
      code: 'invalid_field',
      message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@").',
    });
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`ALTER TABLE "${schema}".deliveries DROP COLUMN decode_error_detail`);
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version = 17`);
    } finally {
      await client.end();
    }

    const second = new PgStore({ url, schema, poolSize: 1 });
    await second.migrate();
    const after = await second.quarantine(delivery, {
      code: 'invalid_field',
      message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@").',
      detail: { part: 'field', path: 'orders.order[0].email', value: 'kovacs.eva@' },
    });
    const old = await second.getDelivery(before.deliveryId);
    const recorded = await second.getDelivery(after.deliveryId);
    await second.close();
    expect(old?.decodeError).toEqual({
      code: 'invalid_field',
      message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@").',
      detail: null,
    });
    expect(recorded?.decodeError?.detail).toEqual({
      part: 'field',
      path: 'orders.order[0].email',
      value: 'kovacs.eva@',
    });
  });

  it('refuses a schema a newer receiver migrated (a version it does not know)', async () => {
    const schema = nextSchema();
    const first = new PgStore({ url, schema, poolSize: 1 });
    await first.migrate();
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (99, 'from the future')`,
      );
    } finally {
      await client.end();
    }
    const store = new PgStore({ url, schema, poolSize: 1 });
    try {
      await expect(store.migrate()).rejects.toThrow(StoreVersionError);
      await expect(store.migrate()).rejects.toThrow(
        /schema is at version 99; this receiver knows versions up to 27/,
      );
    } finally {
      await store.close();
    }
  });

  it('prunes in turns: while another instance holds the schema prune lock, this one deletes nothing and says so', async () => {
    const schema = nextSchema();
    const store = new PgStore({ url, schema, poolSize: 2 });
    const other = new pg.Client({ connectionString: url });
    try {
      await store.migrate();
      const old = await store.ingest(
        { ...delivery, receivedAt: new Date('2020-01-01T00:00:00Z') },
        [{ dedupeKey: 'k', subjectId: null, payload: {} }],
        [],
      );
      await other.connect();
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`srhooks.prune:${schema}`]);
      await expect(store.prune({ before: new Date('2021-01-01T00:00:00Z') })).rejects.toBeInstanceOf(
        PruneInProgressError,
      );
      expect(await store.getDelivery(old.deliveryId)).not.toBeNull();
      await other.query('COMMIT');
      expect(await store.prune({ before: new Date('2021-01-01T00:00:00Z') })).toMatchObject({
        deliveries: 1,
      });
      expect(await store.getDelivery(old.deliveryId)).toBeNull();
    } finally {
      await other.end().catch(() => {});
      await store.close();
    }
  });

  it('migrates on first use when migrate() was not called', async () => {
    const store = new PgStore({ url, schema: nextSchema(), poolSize: 2 });
    try {
      const result = await store.ingest(delivery, [{ dedupeKey: 'k', subjectId: null, payload: {} }], []);
      expect((await store.getDelivery(result.deliveryId))?.events).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('group-commits concurrent ingests: few round trips, a failing delivery rejected alone', async () => {
    const store = new PgStore({ url, schema: nextSchema(), poolSize: 4 });
    try {
      await store.migrate();
      const after = await expectGroupCommit(store);
      expect((await store.countJobs()).pending).toBe(500);

      // An index entry this large is refused by PostgreSQL: only that delivery fails.
      const hugeKey = randomBytes(6000).toString('hex');
      const outcomes = await Promise.allSettled([
        store.ingest(delivery, [{ dedupeKey: 'fine-1', subjectId: null, payload: {} }], []),
        store.ingest(delivery, [{ dedupeKey: hugeKey, subjectId: null, payload: {} }], []),
        store.ingest(delivery, [{ dedupeKey: 'fine-2', subjectId: null, payload: {} }], []),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '54000' });
      expect(store.stats().commits - after.commits).toBe(1);
      const newest = await store.listDeliveries({ limit: 2 });
      expect(newest.items.map((d) => d.events.map((e) => e.dedupeKey))).toEqual([['fine-2'], ['fine-1']]);
      expect(
        (await store.listDeliveries({ limit: 1, cursor: newest.nextCursor ?? '' })).items[0]?.events[0]
          ?.dedupeKey,
      ).toBe('k499');
    } finally {
      await store.close();
    }
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => new PgStore({ url, schema: 'x"; DROP TABLE y; --' })).toThrow(StoreConfigError);
  });
});
