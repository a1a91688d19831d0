/**
 * A store written before names were shown family name first: events whose `customer_name` is in the old
 * order (`Éva Kovács`), for the migration that composes them again (`Kovács Éva`). More events than one
 * page of the rewrite, so its paging is exercised.
 */
import type { NewEvent } from '../store.js';

export interface NamedEvent {
  event: NewEvent;
  /** The column as the receiver wrote it before (given name first). */
  before: string | null;
  /** The column after the migration (family name first). */
  after: string | null;
}

const EXAMPLES: NamedEvent[] = [
  {
    event: {
      dedupeKey: 'n-a',
      subjectId: 'a',
      payload: { innerId: 'a', firstname: 'Éva', lastname: 'Kovács' },
    },
    before: 'Éva Kovács',
    after: 'Kovács Éva',
  },
  {
    event: {
      dedupeKey: 'n-b',
      subjectId: 'b',
      payload: { innerId: 'b', paymentFirstname: 'Béla', paymentLastname: 'Nagy', shippingLastname: 'Kiss' },
    },
    before: 'Béla Nagy',
    after: 'Nagy Béla',
  },
  {
    event: { dedupeKey: 'n-c', subjectId: 'c', payload: { innerId: 'c', lastname: 'Tóth' } },
    before: 'Tóth',
    after: 'Tóth',
  },
  { event: { dedupeKey: 'n-d', subjectId: 'd', payload: { innerId: 'd' } }, before: null, after: null },
  {
    event: {
      dedupeKey: 'n-e',
      subjectId: 'e',
      payload: { innerId: 'e', firstname: 'A\u0000na', lastname: 'Kiss' },
    },
    before: 'A\u0000na Kiss',
    after: 'Kiss A\u0000na',
  },
];

/** The examples above, then 1,005 more customers named the old way. */
export const NAMED_EVENTS: readonly NamedEvent[] = [
  ...EXAMPLES,
  ...Array.from({ length: 1005 }, (_, i): NamedEvent => {
    const id = `p${String(i).padStart(4, '0')}`;
    return {
      event: {
        dedupeKey: `n-${id}`,
        subjectId: id,
        payload: { innerId: id, firstname: 'Ödön', lastname: `Szabó${i}` },
      },
      before: `Ödön Szabó${i}`,
      after: `Szabó${i} Ödön`,
    };
  }),
];
