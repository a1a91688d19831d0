/**
 * What the search-text migrations of both engines share (SQLite 10 and 11, PostgreSQL 12 and 13): a
 * stored event's row as they page through it, its search text composed again by the code that composes
 * new ones (`summariseEvent`), and which rows a rewrite needs to look at.
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

/** Which stored payloads a rewrite composes again (by their JSON text); the rest keep their text. */
export type PayloadFilter = (payloadText: string) => boolean;

/**
 * Whether a payload's phone field may hold several numbers (a list separator in it): the events whose
 * search text SQLite 11 / PostgreSQL 13 compose again, since a bare number written beside a prefixed
 * one (`06-1-234-5678, 209876543`) is indexed too. A cheap test of the JSON text; a false positive only
 * costs the rewrite of one row, which then changes nothing.
 */
export const mayHoldSeveralPhones: PayloadFilter = (payloadText) => SEVERAL_PHONES.test(payloadText);

const SEVERAL_PHONES = /"phone":\s*"[^"]*(?:[,;|/]|vagy|\bor\b)/i;
