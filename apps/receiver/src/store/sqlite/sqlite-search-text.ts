/**
 * Migrations 10 and 11's data step (11 with a filter: only payloads that `mayHoldSeveralPhones`): stored events' `search_text` held the order number and names only, before
 * the text search also found the customer's e-mail address and phone number. Each event's search text
 * is composed again from its payload by the code that composes new ones (`summariseEvent`), in pages
 * of rows by id, inside the migration's transaction. A payload that does not parse keeps its text.
 */
import type Database from 'better-sqlite3';
import {
  type PayloadFilter,
  recomposedSearchText,
  SEARCH_REWRITE_PAGE_ROWS,
  type StoredSearchRow,
} from '../stored-search-text.js';

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
