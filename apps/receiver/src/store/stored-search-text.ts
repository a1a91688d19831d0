/**
 * What the search-text migrations of both engines share (SQLite 10, PostgreSQL 12): a stored event's
 * row as they page through it, and its search text composed again by the code that composes new ones
 * (`summariseEvent`).
 */
import type { WebhookEvent } from '@srhooks/contracts';
import { summariseEvent } from './event-summary.js';

/** Rows a page of the rewrite reads, by id. */
export const SEARCH_REWRITE_PAGE_ROWS = 1000;

export interface StoredSearchRow {
  id: string;
  event: WebhookEvent;
  subject_id: string | null;
  /** The payload's JSON text. */
  payload: string;
  search_text: string;
}

/** The search text the receiver writes now for a stored event; null when its payload does not parse. */
export function recomposedSearchText(row: StoredSearchRow): string | null {
  try {
    return summariseEvent(row.event, row.subject_id, JSON.parse(row.payload)).searchText;
  } catch {
    return null;
  }
}
