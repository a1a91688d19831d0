import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, StoreVersionError } from '../store-errors.js';
import { NAMED_EVENTS } from '../test-support/name-order-migration.js';
import { searchTextMigrationCases } from '../test-support/search-text-migration-cases.js';
import { defineStoreContract, expectGroupCommit, jsonDelivery } from '../test-support/store-contract.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-sqlite-store-'));
let counter = 0;
const nextFile = () => join(dir, `store-${++counter}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

defineStoreContract('sqlite', {
  open: async () => new SqliteStore({ file: nextFile() }),
  openPeer: async (store) => new SqliteStore({ file: (store as SqliteStore).file }),
});

describe('SqliteStore', () => {
  it.each([
    { name: 'default (next event-loop turn)', groupCommit: undefined },
    { name: '2 ms window', groupCommit: { windowMs: 2, maxBatch: 256 } },
  ])(
    'group-commits 500 concurrent ingests into far fewer than 500 transactions: $name',
    async ({ groupCommit }) => {
      const store = new SqliteStore({ file: nextFile(), ...(groupCommit ? { groupCommit } : {}) });
      try {
        const after = await expectGroupCommit(store);
        expect(after.largestBatch).toBeGreaterThan(1);
        expect((await store.countJobs()).pending).toBe(500);
        expect((await store.listEvents({ limit: 500 })).items).toHaveLength(500);
      } finally {
        await store.close();
      }
    },
  );

  it('creates missing directories, runs in WAL mode and records each migration once', async () => {
    const file = join(dir, 'nested', 'deeper', 'srhooks.db');
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.close();
    const second = new SqliteStore({ file });
    await second.migrate();
    await second.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([
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
      ]);
    } finally {
      db.close();
    }
  });

  it('creates a new file, and the -wal and -shm files SQLite adds, readable by its user only; an existing file keeps its mode', async () => {
    const file = join(dir, 'private', 'srhooks.db');
    const store = new SqliteStore({ file });
    await store.migrate();
    await store.ingest(jsonDelivery(), [], []);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    await store.close();

    const shared = join(dir, 'shared.db');
    writeFileSync(shared, '', { mode: 0o640 });
    const existing = new SqliteStore({ file: shared });
    await existing.migrate();
    await existing.close();
    expect(mode(shared)).toBe(0o640);
  });

  it('migration 7 writes stored customer names family name first, composed again from the payloads', async () => {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.ingest(
      jsonDelivery(),
      NAMED_EVENTS.map((named) => named.event),
      [],
    );
    await first.close();
    // The file as a receiver before version 7 left it: names given name first.
    const db = new Database(file);
    const setName = db.prepare('UPDATE events SET customer_name = ? WHERE subject_id = ?');
    for (const named of NAMED_EVENTS) setName.run(named.before, named.event.subjectId);
    db.prepare('DELETE FROM schema_migrations WHERE version = 7').run();
    db.close();

    const second = new SqliteStore({ file });
    await second.migrate();
    await second.close();
    const check = new Database(file, { readonly: true });
    try {
      const rows = check.prepare('SELECT subject_id, customer_name FROM events').all() as Array<{
        subject_id: string;
        customer_name: string | null;
      }>;
      const names = new Map(rows.map((row) => [row.subject_id, row.customer_name]));
      expect(names.size).toBe(NAMED_EVENTS.length);
      for (const named of NAMED_EVENTS) expect(names.get(named.event.subjectId ?? '')).toBe(named.after);
    } finally {
      check.close();
    }
  });

  /** Runs `work` on the file itself, the store closed. */
  function onFile<T>(file: string, work: (db: Database.Database) => T): T {
    const db = new Database(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  }

  searchTextMigrationCases({
    migrations: { contacts: 10, severalPhones: 11 },
    newPlace: nextFile,
    open: (file) => new SqliteStore({ file }),
    searchTexts: async (file) =>
      onFile(file, (db) => {
        const rows = db.prepare('SELECT subject_id, search_text FROM events').all() as Array<{
          subject_id: string;
          search_text: string;
        }>;
        return new Map(rows.map((row) => [row.subject_id, row.search_text]));
      }),
    setSearchTexts: async (file, texts) =>
      onFile(file, (db) => {
        const setText = db.prepare('UPDATE events SET search_text = ? WHERE subject_id = ?');
        for (const { subjectId, text } of texts) setText.run(text, subjectId);
      }),
    forgetMigration: async (file, version) =>
      onFile(file, (db) => {
        db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(version);
      }),
    forgetSearchTextVersions: async (file, recordedAt) =>
      onFile(file, (db) => {
        if (recordedAt === undefined) {
          // the schema below 22
          db.exec('DROP TABLE IF EXISTS search_text_versions');
          db.prepare('DELETE FROM schema_migrations WHERE version >= 22').run();
        } else {
          db.prepare('DELETE FROM search_text_versions WHERE version > ?').run(recordedAt);
        }
      }),
    recordedSearchTextVersions: async (file) =>
      onFile(file, (db) => db.prepare('SELECT version FROM search_text_versions ORDER BY version').all()),
  });

  it("migration 8 rewrites a disabled handler's reason an earlier receiver stored with the target's 410 body", async () => {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.disableHandler('erp', {
      reason: 'https://erp.example/hook?k=1 answered 410: customer Kovács Éva is gone; the target is gone',
    });
    await first.disableHandler('crm', { reason: 'HTTP 410 Gone from crm.example; the target is gone' });
    await first.enableHandler('wms');
    await first.close();
    const db = new Database(file);
    db.prepare('DELETE FROM schema_migrations WHERE version = 8').run();
    db.close();

    const second = new SqliteStore({ file });
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

  it('migration 12 records who disabled a handler: those disabled before were disabled by their target', async () => {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.disableHandler('erp', { reason: 'HTTP 410 Gone from erp.example; the target is gone' });
    await first.enableHandler('wms');
    await first.close();
    const db = new Database(file);
    db.exec('ALTER TABLE handler_states DROP COLUMN disabled_by');
    db.prepare('DELETE FROM schema_migrations WHERE version = 12').run();
    db.close();

    const second = new SqliteStore({ file });
    await second.migrate();
    const states = new Map((await second.listHandlerStates()).map((state) => [state.handler, state]));
    await second.close();
    expect(states.get('erp')).toMatchObject({ disabled: true, disabledBy: 'target' });
    expect(states.get('wms')).toMatchObject({ disabled: false, disabledBy: null });
  });

  it('migration 14 adds where a delivery failed to decode: those quarantined before read as not recorded', async () => {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    const before = await first.quarantine(jsonDelivery(), {
      code: 'invalid_field',
      message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@").',
    });
    await first.close();
    const db = new Database(file);
    db.exec('ALTER TABLE deliveries DROP COLUMN decode_error_detail');
    db.prepare('DELETE FROM schema_migrations WHERE version = 14').run();
    db.close();

    const second = new SqliteStore({ file });
    await second.migrate();
    const after = await second.quarantine(jsonDelivery(), {
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

  it('refuses a store a newer receiver migrated (a schema version it does not know)', async () => {
    const file = join(dir, 'newer.db');
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run(
      'from the future',
    );
    db.close();
    const open = async () => {
      const store = new SqliteStore({ file });
      try {
        await store.migrate();
      } finally {
        await store.close().catch(() => {});
      }
    };
    await expect(open()).rejects.toThrow(StoreVersionError);
    await expect(open()).rejects.toThrow(/schema is at version 99; this receiver knows versions up to 22/);
  });

  it('says a damaged file is damaged (restore a backup, not retry), and stays unready once it has seen it', async () => {
    const file = join(dir, 'damaged.db');
    const first = new SqliteStore({ file });
    await first.migrate();
    for (let i = 0; i < 50; i++) {
      await first.ingest(
        jsonDelivery({ rawBody: Buffer.alloc(2000, 65 + (i % 26)) }),
        [{ dedupeKey: `order:${i}`, subjectId: String(i), payload: { innerId: String(i) } }],
        [],
      );
    }
    await first.close();
    // The second half of the file overwritten (the rows written last, the bodies): the file opens, its
    // schema and migrations read fine and SELECT 1 answers, but the tables' newest pages are garbage.
    const size = statSync(file).size;
    const from = Math.floor(size / 2 / 4096) * 4096;
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, Buffer.alloc(size - from, 0xa5), 0, size - from, from);
    } finally {
      closeSync(fd);
    }
    // Opening a file damaged where start-up reads says the same (all but the first page overwritten).
    const wholly = join(dir, 'wholly-damaged.db');
    writeFileSync(wholly, Buffer.concat([readFileSync(file).subarray(0, 4096), Buffer.alloc(8192, 0xa5)]));
    expect(() => new SqliteStore({ file: wholly })).toThrow(/database file is damaged/);
    const store = new SqliteStore({ file });
    try {
      await store.ping();
      const failed = await store
        .ingest(jsonDelivery(), [{ dedupeKey: 'order:x', subjectId: 'x', payload: {} }], [])
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(failed).toBeInstanceOf(StoreUnavailableError);
      expect((failed as Error).message).toMatch(/database file is damaged \(SQLite SQLITE_(CORRUPT|NOTADB)/);
      expect((failed as Error).message).toContain(
        'restore the file from a backup (receiver docs/operations.md, Backups)',
      );
      expect((failed as Error).message).not.toContain('retry once');
      await expect(store.ping()).rejects.toThrow(/database file is damaged/);
    } finally {
      await store.close().catch(() => {});
    }
  });

  it('reports a file it cannot open as StoreUnavailableError naming the path', () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    expect(() => new SqliteStore({ file: join(blocker, 'srhooks.db') })).toThrow(StoreUnavailableError);
    expect(() => new SqliteStore({ file: join(blocker, 'srhooks.db') })).toThrow(/not-a-directory/);
  });
});
