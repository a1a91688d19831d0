import { describe, expect, it } from 'vitest';
import { createStyle } from '../output/index.js';
import { type ListingPage, type ListingView, renderListingPage } from './listing-page.js';

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
