/**
 * What the search-text migrations of both engines share (SQLite 10 and 11, PostgreSQL 12 and 13) and the
 * background rebuild of search texts an older search text rule composed (search-text-rebuild.ts): a
 * stored event's row as they page through it, its search text composed again by the code that composes
 * new ones (`summariseEvent`), which rows a rewrite needs to look at, and the rule's versions.
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

/**
 * A version of the rule that composes search texts (`summariseEvent` and `search-text.ts`), and which
 * stored events it may compose differently from the version before (`only`; every event when absent).
 * The store records the version its search texts were composed by (table `search_text_versions`, one
 * row per version, as `schema_migrations`); when the receiver opens a store recorded at an older one,
 * it composes those events again in the background (`search-text-rebuild.ts`) and records the new
 * version. A change to the rule that finds something in stored payloads it did not find before
 * appends a version here; no schema migration is needed.
 */
export interface SearchTextRule {
  version: number;
  name: string;
  only?: PayloadFilter;
}

/**
 * Whether a payload's phone field may hold a phone number written with the subscriber number in three
 * groups (`30/123-45-67`, `36 30 123 45 67`) or with a slash after a prefixed area code
 * (`06-30/123-45-67`): forms search text version 2 takes for a phone number also among other words
 * (`napközben 30/123-45-67`); version 1 found them only when the field held nothing else. A cheap,
 * linear test of the JSON text (each position of the field is tried against a fixed-length pattern); a
 * false positive costs the rewrite of one row, which then changes nothing.
 */
export const mayHoldGroupedPhone: PayloadFilter = (payloadText) => GROUPED_PHONE.test(payloadText);

const GROUPED_PHONE = /"phone":\s*"(?:[^"\\]|\\.)*?(?:\d[ .-]\d{2}[ .-]\d{2}(?!\d)|\d\/)/;

export const SEARCH_TEXT_RULES: readonly SearchTextRule[] = [
  {
    version: 1,
    // What SQLite migration 11 / PostgreSQL migration 13 left every stored event with.
    name: 'order number, subject id, names, companies, e-mail address, each phone number of the phone field',
  },
  {
    version: 2,
    name: 'phone numbers with the subscriber number in three groups (30/123-45-67) or a slash after a prefixed area code (06-30/123-45-67), also among other words of the phone field',
    only: mayHoldGroupedPhone,
  },
];

/** The version of the rule this receiver composes search texts by. */
export const SEARCH_TEXT_VERSION = Math.max(...SEARCH_TEXT_RULES.map((rule) => rule.version));

/** A store's search texts need composing again: the rules after `recorded`, and which rows they look at. */
export interface SearchTextRebuild {
  from: number;
  to: number;
  rules: readonly SearchTextRule[];
  /** The payloads to compose again; undefined: every event. */
  only: PayloadFilter | undefined;
}

/**
 * What bringing a store recorded at `recorded` (its highest version in `search_text_versions`) to the
 * newest rule takes: null when it is there already (or newer: a newer receiver's store is refused by
 * its schema version before this is asked).
 */
export function searchTextRebuild(
  recorded: number,
  rules: readonly SearchTextRule[] = SEARCH_TEXT_RULES,
): SearchTextRebuild | null {
  const pending = rules.filter((rule) => rule.version > recorded).sort((a, b) => a.version - b.version);
  const last = pending.at(-1);
  if (last === undefined) return null;
  const filters = pending.map((rule) => rule.only);
  const only = filters.every((filter) => filter !== undefined)
    ? (payloadText: string) => filters.some((filter) => filter(payloadText))
    : undefined;
  return { from: recorded, to: last.version, rules: pending, only };
}

/** How a rebuild went: the versions, rows read, rows whose text changed, and how long it took. */
export interface SearchTextRebuildResult {
  from: number;
  to: number;
  rows: number;
  rewritten: number;
  ms: number;
}

/** Events a page of the background rebuild reads, by id (short: each page is one store call). */
export const SEARCH_REBUILD_PAGE_ROWS = 200;

/** One page of the rebuild: the last id read (null: the end of the events), rows read, rows rewritten. */
export interface SearchTextPage {
  last: string | null;
  read: number;
  rewritten: number;
}

/**
 * The rows of a page whose search text the rebuild from rule `from` changes: each with its new text and
 * the text it was read with (the update's guard: a row erased or rewritten meanwhile is left alone).
 * `toStored`: how the engine stores a text (PostgreSQL: `pgText`).
 */
export function changedSearchTexts(
  rows: readonly StoredSearchRow[],
  from: number,
  toStored: (text: string) => string = (text) => text,
): Array<{ id: string; text: string; before: string }> {
  const rebuild = searchTextRebuild(from);
  if (rebuild === null) return [];
  const changed: Array<{ id: string; text: string; before: string }> = [];
  for (const row of rows) {
    if (rebuild.only !== undefined && !rebuild.only(row.payload)) continue;
    const recomposed = recomposedSearchText(row);
    const text = recomposed === null ? null : toStored(recomposed);
    if (text !== null && text !== row.search_text)
      changed.push({ id: row.id, text, before: row.search_text });
  }
  return changed;
}
