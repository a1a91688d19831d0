import { describe, expect, it } from 'vitest';
import { createStyle } from '../output/index.js';
import {
  type ListingPage,
  type ListingView,
  listingQuery,
  recordColumns,
  renderListingPage,
} from './listing-page.js';

interface Row {
  id: string;
  size: number;
}

const view: ListingView<Row> = {
  group: 'things',
  columns: [
    { header: 'ID', value: (row) => row.id },
    { header: 'SIZE', value: (row) => String(row.size), align: 'right' },
  ],
  notes: (page) => (page.revealed ? [] : ['masked here']),
};

const page = (items: Row[], nextCursor: string | null, revealed = false): ListingPage<Row> => ({
  receiver: 'http://127.0.0.1:4750',
  revealed,
  items,
  nextCursor,
});

const rows: Row[] = [
  { id: 'a', size: 5 },
  { id: 'bb', size: 100 },
];

describe('renderListingPage', () => {
  it('an empty page says there are none at the receiver, with no table, cursor or notes', () => {
    expect(renderListingPage(page([], 'cur_1'), view, createStyle(true))).toBe(
      'no things at http://127.0.0.1:4750',
    );
  });

  it('the table, then the next page’s command, then the notes, the lines under the table dimmed', () => {
    const plain = renderListingPage(page(rows, 'cur_2'), view, createStyle(false));
    expect(plain).toBe(
      ['ID  SIZE', 'a      5', 'bb   100', 'more: srhooks things list --cursor cur_2', 'masked here'].join(
        '\n',
      ),
    );
    const styled = renderListingPage(page(rows, 'cur_2'), view, createStyle(true)).split('\n');
    const dim = createStyle(true).dim;
    expect(styled.slice(0, 3)).toEqual(plain.split('\n').slice(0, 3));
    expect(styled.slice(3)).toEqual([dim('more: srhooks things list --cursor cur_2'), dim('masked here')]);
  });

  it('the last page has no cursor line; notes see the page (none when revealed); a view without notes has none', () => {
    expect(renderListingPage(page(rows, null, true), view, createStyle(false))).toBe(
      'ID  SIZE\na      5\nbb   100',
    );
    expect(renderListingPage(page(rows, null), { ...view, notes: undefined }, createStyle(false))).toBe(
      'ID  SIZE\na      5\nbb   100',
    );
    expect(renderListingPage(page(rows, null), view, createStyle(false))).toBe(
      'ID  SIZE\na      5\nbb   100\nmasked here',
    );
  });
});

describe('listingQuery', () => {
  it('sends --search as q, and a listing’s own filters after status, in the order the list commands have always sent them', () => {
    const query = listingQuery(
      { shop: 'acme', status: 'quarantined', search: 'Kovács', from: '2026-01-01', limit: 5, cursor: 'c1' },
      { eventStatus: 'dead', source: undefined },
    );
    expect(query).toEqual({
      shop: 'acme',
      event: undefined,
      status: 'quarantined',
      eventStatus: 'dead',
      source: undefined,
      q: 'Kovács',
      from: '2026-01-01',
      to: undefined,
      limit: 5,
      cursor: 'c1',
    });
    expect(Object.keys(query).join(' ')).toBe('shop event status eventStatus source q from to limit cursor');
  });
});

describe('recordColumns', () => {
  it('leads with the id, the time received (UTC), the shop and the event', () => {
    const record = { id: 'evt_1', receivedAt: '2026-03-04T05:06:07.000Z', shop: 'acme', event: 'order' };
    const listed: ListingPage<typeof record> = {
      receiver: 'r',
      revealed: true,
      items: [record],
      nextCursor: null,
    };
    const [header, line] = renderListingPage(
      listed,
      { group: 'events', columns: recordColumns() },
      createStyle(false),
    ).split('\n');
    expect(header?.split(/\s+/)).toEqual(['ID', 'RECEIVED', 'SHOP', 'EVENT']);
    expect(line).toMatch(/^evt_1\s+2026-03-04 05:06:07Z\s+acme\s+order$/);
  });
});
