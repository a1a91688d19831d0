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
import { SEARCH_TEXT_RULES, SEARCH_TEXT_VERSION } from '../stored-search-text.js';
import { NAMED_EVENTS } from '../test-support/name-order-migration.js';
import {
  CONTACT_CUSTOMER,
  CONTACT_EVENTS,
  type ContactEvent,
  GROUPED_PHONE_EVENTS,
  SEVERAL_PHONES_EVENTS,
  TWO_PHONES,
} from '../test-support/search-text-migration.js';
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

  /**
   * A file as a receiver before `version` left it: `contacts` stored with their `before` search text
   * and the migration not yet recorded; the store returned migrates it.
   */
  async function migratedFromBefore(
    version: number,
    contacts: readonly ContactEvent[],
  ): Promise<SqliteStore> {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    await first.ingest(
      jsonDelivery(),
      contacts.map((contact) => contact.event),
      [],
    );
    await first.close();
    const db = new Database(file);
    const setText = db.prepare('UPDATE events SET search_text = ? WHERE subject_id = ?');
    for (const contact of contacts) setText.run(contact.before, contact.event.subjectId);
    db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(version);
    db.close();
    const second = new SqliteStore({ file });
    await second.migrate();
    return second;
  }

  it("migration 10 composes stored events' search texts again: an event stored before is found by e-mail and phone", async () => {
    // Order numbers and names only, as a receiver before version 10 wrote them.
    const second = await migratedFromBefore(10, CONTACT_EVENTS);
    try {
      for (const q of [
        'kovacs.eva@gmail.com',
        'KOVACS.EVA',
        '30/123-4567',
        '06-30-123-4567',
        '36301234567',
      ]) {
        const found = (await second.listEvents({ q })).items.map((event) => event.subjectId);
        expect({ q, found }).toEqual({ q, found: [CONTACT_CUSTOMER.event.subjectId] });
      }
      expect((await second.listEvents({ q: 'szabo1004@example.hu' })).items).toHaveLength(1);
      expect((await second.listEvents({ q: '+36 20 100 1004' })).items).toHaveLength(1);
      expect((await second.listEvents({ q: 'toth' })).items.map((event) => event.subjectId)).toEqual(['p1']);
    } finally {
      await second.close();
    }
  });

  it('migration 11 composes again the search texts of phone fields with several numbers: a bare second number is found', async () => {
    // A bare number beside a prefixed one not indexed, as version 10 wrote it.
    const second = await migratedFromBefore(11, SEVERAL_PHONES_EVENTS);
    try {
      for (const q of ['+36 20 987 6543', '20/987-6543', '06 1 234 5678']) {
        const found = (await second.listEvents({ q })).items.map((event) => event.subjectId);
        expect({ q, found }).toEqual({ q, found: [TWO_PHONES.event.subjectId] });
      }
      // An event with one number is not looked at: its (deliberately stale) text is as it was.
      expect((await second.listEvents({ q: '30/123-4567' })).items).toEqual([]);
    } finally {
      await second.close();
    }
  });

  /**
   * A store whose search texts search text rule 1 composed (a phone number in three groups among other
   * words of the phone field not indexed), as a receiver before the rule had versions left it: rows set
   * the way it wrote them, and no `search_text_versions` (schema below 22). `recordedAt`: instead, keep
   * the table and record only the versions up to this one.
   */
  async function storeOfRule1(recordedAt?: number): Promise<string> {
    const file = nextFile();
    const first = new SqliteStore({ file });
    await first.migrate();
    // A new store is at the newest rule: no pass (the rows are set below as rule 1 wrote them).
    expect(await first.searchTextsRebuilt()).toBeNull();
    await first.ingest(
      jsonDelivery(),
      GROUPED_PHONE_EVENTS.map((contact) => contact.event),
      [],
    );
    await first.close();
    const db = new Database(file);
    const textOf = db.prepare<[string], { search_text: string }>(
      'SELECT search_text FROM events WHERE subject_id = ?',
    );
    const setText = db.prepare('UPDATE events SET search_text = ? WHERE subject_id = ?');
    for (const contact of GROUPED_PHONE_EVENTS) {
      const now = textOf.get(contact.event.subjectId ?? '')?.search_text;
      // What the newest rule composed is rule 1's text and the number rule 2 found.
      expect(now).toBe(
        contact.rule2Phone === null
          ? `${contact.before} | #7#0#5#5#5#1#2#3#4#`
          : `${contact.before} | ${contact.rule2Phone}`,
      );
      setText.run(contact.before, contact.event.subjectId);
    }
    if (recordedAt === undefined) {
      db.exec('DROP TABLE IF EXISTS search_text_versions');
      db.prepare('DELETE FROM schema_migrations WHERE version >= 22').run();
    } else {
      db.prepare('DELETE FROM search_text_versions WHERE version > ?').run(recordedAt);
    }
    db.close();
    return file;
  }

  async function foundBy(store: SqliteStore, q: string): Promise<Array<string | null>> {
    return (await store.listEvents({ q })).items.map((event) => event.subjectId);
  }

  it('composes again at start the search texts an older search text rule composed: a phone number in three groups among other words is found', async () => {
    const second = new SqliteStore({ file: await storeOfRule1() });
    try {
      await second.migrate();
      // In the background, once migrated: two of the three events composed again.
      expect(await second.searchTextsRebuilt()).toMatchObject({ from: 1, to: 2, rows: 3, rewritten: 2 });
      for (const q of ['30/123-45-67', '+36 30 123 4567', '06 30 123 45 67']) {
        expect({ q, found: await foundBy(second, q) }).toEqual({ q, found: ['g1'] });
      }
      expect(await foundBy(second, '06-20/987-65-43')).toEqual(['g2']);
      expect(await foundBy(second, '+36 20 987 6543')).toEqual(['g2']);
      // Not a form rule 2 changed: its (deliberately stale) text is not looked at.
      expect(await foundBy(second, '+36 70 555 1234')).toEqual([]);
    } finally {
      await second.close();
    }
    const db = new Database(second.file, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM search_text_versions ORDER BY version').all();
      expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
      expect(SEARCH_TEXT_VERSION).toBe(2);
    } finally {
      db.close();
    }
  });

  it('records the newest search text rule in a store it creates: no pass at its first open (it ran an empty one)', async () => {
    const file = nextFile();
    const store = new SqliteStore({ file });
    try {
      await store.migrate();
      expect(await store.searchTextsRebuilt()).toBeNull();
      expect(await store.searchTextVersion()).toBe(SEARCH_TEXT_VERSION);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM search_text_versions ORDER BY version').all();
      expect(versions).toEqual(SEARCH_TEXT_RULES.map((rule) => ({ version: rule.version })));
    } finally {
      db.close();
    }
    // An open on it afterwards (a store upgraded from before stays at version 1: the test above) changes nothing.
    const again = new SqliteStore({ file });
    try {
      await again.migrate();
      expect(await again.searchTextsRebuilt()).toBeNull();
    } finally {
      await again.close();
    }
  });

  it('composes again the search texts of a store recorded at an older rule, and leaves a store at the newest alone', async () => {
    const older = new SqliteStore({ file: await storeOfRule1(1) });
    try {
      await older.migrate();
      expect(await older.searchTextsRebuilt()).toMatchObject({ from: 1, to: 2, rewritten: 2 });
      expect(await foundBy(older, '30/123-45-67')).toEqual(['g1']);
    } finally {
      await older.close();
    }
    // Recorded at the newest rule: nothing is read again, so the stale texts stay (a restart costs one query).
    const newest = new SqliteStore({ file: await storeOfRule1(SEARCH_TEXT_VERSION) });
    try {
      await newest.migrate();
      expect(await newest.searchTextsRebuilt()).toBeNull();
      expect(await foundBy(newest, '30/123-45-67')).toEqual([]);
    } finally {
      await newest.close();
    }
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
