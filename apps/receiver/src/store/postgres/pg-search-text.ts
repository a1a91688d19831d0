/**
 * Also the background search text rebuild's store calls (search-text-rebuild.ts, below).
 *
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
  changedSearchTexts,
  type PayloadFilter,
  recomposedSearchText,
  SEARCH_REBUILD_PAGE_ROWS,
  SEARCH_REWRITE_PAGE_ROWS,
  type SearchTextPage,
  type StoredSearchRow,
  searchTextRebuild,
} from '../stored-search-text.js';
import type { PgConnection } from './pg-connection.js';
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

/**
 * The background rebuild's store calls (search-text-rebuild.ts), on PostgreSQL. The version the store's
 * search texts were composed by: the highest in `search_text_versions` (migration 27).
 */
export function pgSearchTextVersion(conn: PgConnection): Promise<number> {
  return conn.run(async () => {
    const { rows } = await conn.db.query('SELECT max(version) AS version FROM search_text_versions');
    return Number((rows[0] as { version: number | null } | undefined)?.version ?? 0);
  });
}

/**
 * One page of the rebuild from rule `from`: the events after `after` by id (erased ones left: their text
 * was cleared with their payload; the payload read as its JSON text, as versions 12 and 13 read it), those
 * the newer rules compose differently written again by one statement that leaves a row whose text changed
 * since it was read (erased, or written by another receiver's rebuild meanwhile). Several receivers on one
 * store may each run the pass: the second finds nothing left to change.
 */
export function rebuildPgSearchTextPage(
  conn: PgConnection,
  from: number,
  after: string,
): Promise<SearchTextPage> {
  return conn.run(async () => {
    const { rows } = await conn.db.query(
      `SELECT id, event, subject_id, payload::text AS payload, search_text FROM events
        WHERE id > $1 AND erased_at IS NULL ORDER BY id LIMIT $2`,
      [after, SEARCH_REBUILD_PAGE_ROWS],
    );
    const read = rows as unknown as StoredSearchRow[];
    const changed = changedSearchTexts(read, from, pgText);
    let rewritten = 0;
    if (changed.length > 0) {
      const result = await conn.db.query(
        `UPDATE events AS e SET search_text = x.search_text
           FROM unnest($1::text[], $2::text[], $3::text[]) AS x (id, search_text, before)
          WHERE e.id = x.id AND e.search_text = x.before`,
        [changed.map((row) => row.id), changed.map((row) => row.text), changed.map((row) => row.before)],
      );
      rewritten = result.rowCount ?? 0;
    }
    const last = read.at(-1);
    return {
      last: read.length < SEARCH_REBUILD_PAGE_ROWS || last === undefined ? null : last.id,
      read: read.length,
      rewritten,
    };
  });
}

/** Records that the store's search texts are at the newest rule (every version after `from`). */
export function recordPgSearchTextVersions(conn: PgConnection, from: number): Promise<void> {
  const rules = searchTextRebuild(from)?.rules ?? [];
  return conn.run(async () => {
    await conn.db.query(
      `INSERT INTO search_text_versions (version, name)
         SELECT * FROM unnest($1::int[], $2::text[]) ON CONFLICT (version) DO NOTHING`,
      [rules.map((rule) => rule.version), rules.map((rule) => rule.name)],
    );
  });
}
