/**
 * Migration 8's data step: stored `customer_name`s were composed given name first (`Éva Kovács`) before
 * names were shown family name first (`Kovács Éva`, contracts' `fullName`). Each stored name is composed
 * again from the event's payload by the code that composes new ones, in pages of rows by id, each page's
 * update committed on its own (not in one transaction: rows stay locked for a page only, and a start cut
 * off keeps the pages done; running it again is harmless, a name already rewritten is left alone). The payload is read as its JSON text (`json` keeps what was written, and
 * PostgreSQL's own JSON operators refuse an escaped U+0000 a name may hold); a payload that does not
 * parse keeps its name.
 */
import type { ClientBase } from 'pg';
import { customerNameOf } from '../event-summary.js';
import { pgText } from './pg-text.js';

const PAGE_ROWS = 1000;

interface NamedRow {
  id: string;
  payload: string;
  customer_name: string;
}

function storedNameOf(payloadJson: string): string | null {
  try {
    const name = customerNameOf(JSON.parse(payloadJson));
    return name === null ? null : pgText(name);
  } catch {
    return null;
  }
}

export async function rewritePgCustomerNames(
  client: ClientBase,
  progress: (rows: number) => void = () => {},
): Promise<void> {
  let after = '';
  let read = 0;
  for (;;) {
    const { rows } = await client.query<NamedRow>(
      `SELECT id, payload::text AS payload, customer_name FROM events
        WHERE customer_name IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`,
      [after, PAGE_ROWS],
    );
    const ids: string[] = [];
    const names: string[] = [];
    for (const row of rows) {
      const name = storedNameOf(row.payload);
      if (name !== null && name !== row.customer_name) {
        ids.push(row.id);
        names.push(name);
      }
    }
    if (ids.length > 0) {
      await client.query(
        `UPDATE events AS e SET customer_name = x.name
           FROM unnest($1::text[], $2::text[]) AS x (id, name) WHERE e.id = x.id`,
        [ids, names],
      );
    }
    read += rows.length;
    progress(read);
    const last = rows.at(-1);
    if (rows.length < PAGE_ROWS || last === undefined) return;
    after = last.id;
  }
}
