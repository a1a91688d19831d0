/**
 * A store written before the text search found customers by e-mail address and phone number: events
 * whose `search_text` holds the order number and names only, as the receiver wrote it then, for the
 * migration that composes it again. More events than one page of the rewrite, so its paging is
 * exercised; the customer searched for is on the second page.
 */
import type { NewEvent } from '../store.js';

export interface ContactEvent {
  event: NewEvent;
  /** `search_text` as the receiver wrote it before (no e-mail, no phone). */
  before: string;
}

const OTHERS: ContactEvent[] = Array.from({ length: 1005 }, (_, i): ContactEvent => {
  const id = `c${String(i).padStart(4, '0')}`;
  return {
    event: {
      dedupeKey: `s-${id}`,
      subjectId: id,
      payload: {
        innerId: id,
        firstname: 'Ödön',
        lastname: `Szabó${i}`,
        email: `szabo${i}@example.hu`,
        phone: `+36 20 ${String(1000000 + i)}`,
      },
    },
    before: `${id} | szabo${i} odon`,
  };
});

/** The customer searched for after the migration: `kovacs.eva@gmail.com`, `30/123-4567`. */
export const CONTACT_CUSTOMER: ContactEvent = {
  event: {
    dedupeKey: 's-kovacs',
    subjectId: 'k1',
    payload: {
      innerId: 'k1',
      firstname: 'Éva',
      lastname: 'Kovács',
      email: 'Kovacs.Eva@Gmail.com',
      phone: '+36 30 123 4567',
    },
  },
  before: 'k1 | kovacs eva',
};

/** A payload with no e-mail or phone: its search text stays as it was. */
const WITHOUT_CONTACT: ContactEvent = {
  event: { dedupeKey: 's-plain', subjectId: 'p1', payload: { innerId: 'p1', lastname: 'Tóth' } },
  before: 'p1 | toth',
};

export const CONTACT_EVENTS: readonly ContactEvent[] = [...OTHERS, WITHOUT_CONTACT, CONTACT_CUSTOMER];

/**
 * For SQLite 11 / PostgreSQL 13: a phone field with two numbers, the second written bare, whose search
 * text (as version 10/12 wrote it) holds the first number only; and an event with one number whose
 * stale text the rewrite must leave alone (it looks at phone fields with several numbers only).
 */
export const TWO_PHONES: ContactEvent = {
  event: {
    dedupeKey: 's-two-phones',
    subjectId: 'n1',
    payload: { innerId: 'n1', firstname: 'Anna', lastname: 'Nagy', phone: '06-1-234-5678, 209876543' },
  },
  before: 'n1 | nagy anna | #1#2#3#4#5#6#7#8#',
};

export const SEVERAL_PHONES_EVENTS: readonly ContactEvent[] = [TWO_PHONES, CONTACT_CUSTOMER];

/**
 * For the search text rule's versions (stored-search-text.ts SEARCH_TEXT_RULES, version 2): phone fields
 * with a number in three groups or with a slash after a prefixed area code among other words, whose
 * search text (as rule 1 composed it) holds no phone number: rule 1 took neither form for one there.
 * `rule2Phone`: what rule 2 adds. The third, one number in a form rule 1 knew, has a deliberately stale
 * text the rebuild must leave alone (its filter does not pick it).
 */
export const GROUPED_PHONE_EVENTS: ReadonlyArray<ContactEvent & { rule2Phone: string | null }> = [
  {
    event: {
      dedupeKey: 's-grouped-1',
      subjectId: 'g1',
      payload: { innerId: 'g1', firstname: 'Béla', lastname: 'Szilágyi', phone: 'napközben 30/123-45-67' },
    },
    before: 'g1 | szilagyi bela',
    rule2Phone: '#3#0#1#2#3#4#5#6#7#',
  },
  {
    event: {
      dedupeKey: 's-grouped-2',
      subjectId: 'g2',
      payload: { innerId: 'g2', firstname: 'Ilona', lastname: 'Varga', phone: 'tel 06-20/987-65-43' },
    },
    before: 'g2 | varga ilona',
    rule2Phone: '#2#0#9#8#7#6#5#4#3#',
  },
  {
    event: {
      dedupeKey: 's-grouped-3',
      subjectId: 'g3',
      payload: { innerId: 'g3', firstname: 'Péter', lastname: 'Fekete', phone: '+36 70 555 1234' },
    },
    before: 'g3 | fekete peter',
    rule2Phone: null,
  },
];
