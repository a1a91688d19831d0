/**
 * Migration 7's data step: stored `customer_name`s were composed given name first (`Éva Kovács`) before
 * names were shown family name first (`Kovács Éva`, contracts' `fullName`). Each stored name is composed
 * again from the event's payload by the code that composes new ones, in pages of rows by id, inside the
 * migration's transaction. A payload that does not parse keeps its name.
 */
import type Database from 'better-sqlite3';
import { customerNameOf } from '../event-summary.js';

const PAGE_ROWS = 1000;

interface NamedRow {
  id: string;
  payload: string;
  customer_name: string;
}

function storedNameOf(payloadJson: string): string | null {
  try {
    return customerNameOf(JSON.parse(payloadJson));
  } catch {
    return null;
  }
}

export function rewriteSqliteCustomerNames(db: Database.Database): void {
  const page = db.prepare<[string, number], NamedRow>(
    'SELECT id, payload, customer_name FROM events WHERE customer_name IS NOT NULL AND id > ? ORDER BY id LIMIT ?',
  );
  const update = db.prepare<[string, string]>('UPDATE events SET customer_name = ? WHERE id = ?');
  let after = '';
  for (;;) {
    const rows = page.all(after, PAGE_ROWS);
    for (const row of rows) {
      const name = storedNameOf(row.payload);
      if (name !== null && name !== row.customer_name) update.run(name, row.id);
    }
    const last = rows.at(-1);
    if (rows.length < PAGE_ROWS || last === undefined) return;
    after = last.id;
  }
}
