/**
 * Migrations 12 and 13's data step (13 with a filter: only payloads that `mayHoldSeveralPhones`): stored events' `search_text` held the order number and names only, before
 * the text search also found the customer's e-mail address and phone number. Each event's search text
 * is composed again from its payload by the code that composes new ones (`summariseEvent`), in pages
 * of rows by id, each page's update committed on its own (not in one transaction: rows stay locked for a
 * page only, and a start cut off keeps the pages done; running it again is harmless, a text already
 * rewritten is left alone). The payload is read as its JSON text (as the name
 * order migration reads it: PostgreSQL's JSON operators refuse an escaped U+0000); a payload that does
 * not parse keeps its text.
 */
import type { ClientBase } from 'pg';
import {
  type PayloadFilter,
  recomposedSearchText,
  SEARCH_REWRITE_PAGE_ROWS,
  type StoredSearchRow,
} from '../stored-search-text.js';
import { pgText } from './pg-text.js';

export async function rewritePgSearchTexts(
  client: ClientBase,
  progress: (rows: number) => void = () => {},
  only?: PayloadFilter,
): Promise<void> {
  let after = '';
  let read = 0;
  for (;;) {
    const { rows } = await client.query<StoredSearchRow>(
      `SELECT id, event, subject_id, payload::text AS payload, search_text FROM events
        WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, SEARCH_REWRITE_PAGE_ROWS],
    );
    const ids: string[] = [];
    const texts: string[] = [];
    for (const row of rows) {
      if (only !== undefined && !only(row.payload)) continue;
      const recomposed = recomposedSearchText(row);
      const text = recomposed === null ? null : pgText(recomposed);
      if (text !== null && text !== row.search_text) {
        ids.push(row.id);
        texts.push(text);
      }
    }
    if (ids.length > 0) {
      await client.query(
        `UPDATE events AS e SET search_text = x.search_text
           FROM unnest($1::text[], $2::text[]) AS x (id, search_text) WHERE e.id = x.id`,
        [ids, texts],
      );
    }
    read += rows.length;
    progress(read);
    const last = rows.at(-1);
    if (rows.length < SEARCH_REWRITE_PAGE_ROWS || last === undefined) return;
    after = last.id;
  }
}
