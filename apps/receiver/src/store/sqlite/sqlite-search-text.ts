/**
 * Also the background search text rebuild's store calls (search-text-rebuild.ts, below).
 *
 * Migrations 10 and 11's data step (11 with a filter: only payloads that `mayHoldSeveralPhones`): stored events' `search_text` held the order number and names only, before
 * the text search also found the customer's e-mail address and phone number. Each event's search text
 * is composed again from its payload by the code that composes new ones (`summariseEvent`), in pages
 * of rows by id, inside the migration's transaction. A payload that does not parse keeps its text.
 */
import type Database from 'better-sqlite3';
import {
  changedSearchTexts,
  type PayloadFilter,
  recomposedSearchText,
  SEARCH_REBUILD_PAGE_ROWS,
  SEARCH_REWRITE_PAGE_ROWS,
  type SearchTextPage,
  type StoredSearchRow,
  searchTextRebuild,
} from '../stored-search-text.js';
import type { SqliteConnection } from './sqlite-connection.js';

export function rewriteSqliteSearchTexts(db: Database.Database, only?: PayloadFilter): void {
  const page = db.prepare<[string, number], StoredSearchRow>(
    'SELECT id, event, subject_id, payload, search_text FROM events WHERE id > ? ORDER BY id LIMIT ?',
  );
  const update = db.prepare<[string, string]>('UPDATE events SET search_text = ? WHERE id = ?');
  let after = '';
  for (;;) {
    const rows = page.all(after, SEARCH_REWRITE_PAGE_ROWS);
    for (const row of rows) {
      if (only !== undefined && !only(row.payload)) continue;
      const text = recomposedSearchText(row);
      if (text !== null && text !== row.search_text) update.run(text, row.id);
    }
    const last = rows.at(-1);
    if (rows.length < SEARCH_REWRITE_PAGE_ROWS || last === undefined) return;
    after = last.id;
  }
}

/**
 * The background rebuild's store calls (search-text-rebuild.ts), on SQLite. The version the store's
 * search texts were composed by: the highest in `search_text_versions` (migration 22).
 */
export function sqliteSearchTextVersion(conn: SqliteConnection): number {
  return (
    conn.read(
      () =>
        conn.stmt('SELECT max(version) AS version FROM search_text_versions').get() as {
          version: number | null;
        },
    ).version ?? 0
  );
}

/**
 * One page of the rebuild from rule `from`: the events after `after` by id (erased ones left: their text
 * was cleared with their payload), those the newer rules compose differently written again — read and
 * written in one write of the writer thread, so an erasure or an ingest never interleaves with it.
 */
export function rebuildSqliteSearchTextPage(
  conn: SqliteConnection,
  from: number,
  after: string,
): Promise<SearchTextPage> {
  return conn.write(() => {
    const rows = conn
      .stmt(
        `SELECT id, event, subject_id, payload, search_text FROM events
          WHERE id > ? AND erased_at IS NULL ORDER BY id LIMIT ?`,
      )
      .all(after, SEARCH_REBUILD_PAGE_ROWS) as StoredSearchRow[];
    const changed = changedSearchTexts(rows, from);
    const update = conn.stmt('UPDATE events SET search_text = ? WHERE id = ? AND search_text = ?');
    let rewritten = 0;
    for (const row of changed) rewritten += update.run(row.text, row.id, row.before).changes;
    const last = rows.at(-1);
    return {
      last: rows.length < SEARCH_REBUILD_PAGE_ROWS || last === undefined ? null : last.id,
      read: rows.length,
      rewritten,
    };
  });
}

/** Records that the store's search texts are at the newest rule (every version after `from`). */
export function recordSqliteSearchTextVersions(conn: SqliteConnection, from: number): Promise<void> {
  const rebuild = searchTextRebuild(from);
  return conn.write(() => {
    const record = conn.stmt(
      'INSERT INTO search_text_versions (version, name, rebuilt_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING',
    );
    for (const rule of rebuild?.rules ?? []) record.run(rule.version, rule.name, Date.now());
  });
}
