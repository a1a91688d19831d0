/**
 * The search text migration cases, one set run against every engine (`sqlite-store.test.ts`,
 * `pg-store.test.ts`, inside their describe): the migrations that composed stored events' search texts
 * again, and the search text rule's versions (a store of rule 1 composed again in the background, a new
 * store recorded at the newest rule). What differs by engine — where a store lives, the migration
 * numbers, and writing and reading its tables directly as an older receiver left them — is the harness.
 */
import { expect, it } from 'vitest';
import type { Store } from '../store.js';
import {
  SEARCH_TEXT_RULES,
  SEARCH_TEXT_VERSION,
  type SearchTextRebuildResult,
} from '../stored-search-text.js';
import {
  CONTACT_CUSTOMER,
  CONTACT_EVENTS,
  type ContactEvent,
  GROUPED_PHONE_EVENTS,
  SEVERAL_PHONES_EVENTS,
  TWO_PHONES,
} from './search-text-migration.js';
import { jsonDelivery } from './store-contract/fixtures.js';

/** A store of an engine that composes search texts again in the background. */
export type SearchTextStore = Store & {
  searchTextsRebuilt(): Promise<SearchTextRebuildResult | null>;
  searchTextVersion(): Promise<number>;
};

export interface SearchTextMigrationHarness {
  /** The migrations that composed search texts again: e-mail and phone (SQLite 10, PostgreSQL 12); a phone field's several numbers (11, 13). */
  migrations: { contacts: number; severalPhones: number };
  /** A new place for a store (SQLite: a file; PostgreSQL: a schema). */
  newPlace(): string;
  /** A store on `place`, not migrated. */
  open(place: string): SearchTextStore;
  /** The store on `place` closed: the events' `search_text` by subject id. */
  searchTexts(place: string): Promise<Map<string, string>>;
  /** The store on `place` closed: sets these events' `search_text`, as an older receiver wrote it. */
  setSearchTexts(place: string, texts: ReadonlyArray<{ subjectId: string; text: string }>): Promise<void>;
  /** The store on `place` closed: forgets that migration `version` ran. */
  forgetMigration(place: string, version: number): Promise<void>;
  /**
   * The store on `place` closed: as a receiver before the search text rule had versions left it (no
   * `search_text_versions`, the schema below the migration that added it); `recordedAt`: instead, keeps
   * the table and only the versions up to this one.
   */
  forgetSearchTextVersions(place: string, recordedAt?: number): Promise<void>;
  /** The store on `place` closed: the rows of `search_text_versions`, by version. */
  recordedSearchTextVersions(place: string): Promise<unknown[]>;
}

const subjectOf = (contact: ContactEvent): string => contact.event.subjectId ?? '';

export function searchTextMigrationCases(harness: SearchTextMigrationHarness): void {
  /** A new store on a new place holding `contacts`, closed: the place. */
  async function placeWith(contacts: readonly ContactEvent[], checkNew = false): Promise<string> {
    const place = harness.newPlace();
    const first = harness.open(place);
    await first.migrate();
    // A new store is at the newest rule: no pass (the rows are set below as rule 1 wrote them).
    if (checkNew) expect(await first.searchTextsRebuilt()).toBeNull();
    await first.ingest(
      jsonDelivery(),
      contacts.map((contact) => contact.event),
      [],
    );
    await first.close();
    return place;
  }

  /**
   * A store as a receiver before `version` left it: `contacts` stored with their `before` search text
   * and the migration not yet recorded; the store returned migrates it.
   */
  async function migratedFromBefore(
    version: number,
    contacts: readonly ContactEvent[],
  ): Promise<SearchTextStore> {
    const place = await placeWith(contacts);
    await harness.setSearchTexts(
      place,
      contacts.map((contact) => ({ subjectId: subjectOf(contact), text: contact.before })),
    );
    await harness.forgetMigration(place, version);
    const second = harness.open(place);
    await second.migrate();
    return second;
  }

  const { contacts, severalPhones } = harness.migrations;

  it(`migration ${contacts} composes stored events' search texts again: an event stored before is found by e-mail and phone`, async () => {
    // Order numbers and names only, as a receiver before this migration wrote them.
    const second = await migratedFromBefore(contacts, CONTACT_EVENTS);
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

  it(`migration ${severalPhones} composes again the search texts of phone fields with several numbers: a bare second number is found`, async () => {
    // A bare number beside a prefixed one not indexed, as the migration before it wrote it.
    const second = await migratedFromBefore(severalPhones, SEVERAL_PHONES_EVENTS);
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
   * the way it wrote them, and no `search_text_versions`. `recordedAt`: instead, keep the table and
   * record only the versions up to this one.
   */
  async function storeOfRule1(recordedAt?: number): Promise<string> {
    const place = await placeWith(GROUPED_PHONE_EVENTS, true);
    const texts = await harness.searchTexts(place);
    for (const contact of GROUPED_PHONE_EVENTS) {
      // What the newest rule composed is rule 1's text and the number rule 2 found.
      expect(texts.get(subjectOf(contact))).toBe(
        `${contact.before} | ${contact.rule2Phone ?? '#7#0#5#5#5#1#2#3#4#'}`,
      );
    }
    await harness.setSearchTexts(
      place,
      GROUPED_PHONE_EVENTS.map((contact) => ({ subjectId: subjectOf(contact), text: contact.before })),
    );
    await harness.forgetSearchTextVersions(place, recordedAt);
    return place;
  }

  async function foundBy(store: SearchTextStore, q: string): Promise<Array<string | null>> {
    return (await store.listEvents({ q })).items.map((event) => event.subjectId);
  }

  it('composes again at start the search texts an older search text rule composed: a phone number in three groups among other words is found', async () => {
    const place = await storeOfRule1();
    const second = harness.open(place);
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
    expect(await harness.recordedSearchTextVersions(place)).toEqual([{ version: 1 }, { version: 2 }]);
    expect(SEARCH_TEXT_VERSION).toBe(2);
  });

  it('records the newest search text rule in a store it creates: no pass at its first start (it ran an empty one)', async () => {
    const place = harness.newPlace();
    const store = harness.open(place);
    try {
      await store.migrate();
      expect(await store.searchTextsRebuilt()).toBeNull();
      expect(await store.searchTextVersion()).toBe(SEARCH_TEXT_VERSION);
    } finally {
      await store.close();
    }
    expect(await harness.recordedSearchTextVersions(place)).toEqual(
      SEARCH_TEXT_RULES.map((rule) => ({ version: rule.version })),
    );
    // A start on it afterwards (a store upgraded from before stays at version 1: the test above) changes nothing.
    const again = harness.open(place);
    try {
      await again.migrate();
      expect(await again.searchTextsRebuilt()).toBeNull();
    } finally {
      await again.close();
    }
  });

  it('composes again the search texts of a store recorded at an older rule, and leaves a store at the newest alone', async () => {
    const older = harness.open(await storeOfRule1(1));
    try {
      await older.migrate();
      expect(await older.searchTextsRebuilt()).toMatchObject({ from: 1, to: 2, rewritten: 2 });
      expect(await foundBy(older, '30/123-45-67')).toEqual(['g1']);
    } finally {
      await older.close();
    }
    // Recorded at the newest rule: nothing is read again, so the stale texts stay (a restart costs one query).
    const newest = harness.open(await storeOfRule1(SEARCH_TEXT_VERSION));
    try {
      await newest.migrate();
      expect(await newest.searchTextsRebuilt()).toBeNull();
      expect(await foundBy(newest, '30/123-45-67')).toEqual([]);
    } finally {
      await newest.close();
    }
  });
}
