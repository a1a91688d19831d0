import { describe, expect, it } from 'vitest';
import { createStyle } from '../output/index.js';
import {
  type ListingPage,
  type ListingView,
  listingQuery,
  moreLine,
  renderListingPage,
  withNextPageFlags,
} from './listing-command.js';

const record = (id: string, size: number) => ({
  id,
  receivedAt: '2026-03-04T05:06:07.000Z',
  shop: 'acme',
  event: 'order',
  size,
});
type Row = ReturnType<typeof record>;

const view: ListingView<Row> = {
  group: 'things',
  columns: (style) => [{ header: 'SIZE', value: (row) => style.bold(String(row.size)), align: 'right' }],
  notes: (page) => (page.revealed ? [] : ['masked here']),
};

const page = (items: Row[], nextCursor: string | null, revealed = false): ListingPage<Row> => ({
  receiver: 'http://127.0.0.1:4750',
  revealed,
  items,
  nextCursor,
});

const rows = [record('a', 5), record('bb', 100)];
const TABLE = [
  'ID  RECEIVED              SHOP  EVENT  SIZE',
  'a   2026-03-04 05:06:07Z  acme  order     5',
  'bb  2026-03-04 05:06:07Z  acme  order   100',
].join('\n');

describe('renderListingPage', () => {
  it('an empty page says there are none at the receiver, with no table, cursor or notes', () => {
    expect(renderListingPage(page([], 'cur_1'), view, createStyle(true))).toBe(
      'no things at http://127.0.0.1:4750',
    );
  });

  it('ID, RECEIVED (UTC), SHOP, EVENT, the view’s columns; then the next page’s command and the notes, dimmed', () => {
    expect(renderListingPage(page(rows, 'cur_2'), view, createStyle(false))).toBe(
      `${TABLE}\nmore: srhooks things list --cursor cur_2\nmasked here`,
    );
    const style = createStyle(true);
    const styled = renderListingPage(page(rows, 'cur_2'), view, style).split('\n');
    expect(styled[1]).toMatch(new RegExp(`order\\s+${style.bold('5').replace(/\[/g, '\\[')}$`));
    expect(styled.slice(3)).toEqual([
      style.dim('more: srhooks things list --cursor cur_2'),
      style.dim('masked here'),
    ]);
  });

  it('the last page has no cursor line; notes see the page (none when revealed); a view without notes has none', () => {
    expect(renderListingPage(page(rows, null, true), view, createStyle(false))).toBe(TABLE);
    expect(renderListingPage(page(rows, null), { ...view, notes: undefined }, createStyle(false))).toBe(
      TABLE,
    );
    expect(renderListingPage(page(rows, null), view, createStyle(false))).toBe(`${TABLE}\nmasked here`);
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
      erased: undefined,
      q: 'Kovács',
      from: '2026-01-01',
      to: undefined,
      limit: 5,
      cursor: 'c1',
    });
    expect(Object.keys(query).join(' ')).toBe(
      'shop event status eventStatus source erased q from to limit cursor',
    );
  });

  it('sends --erased yes|no as erased=true|false', () => {
    expect(listingQuery({ erased: 'yes' }, {}).erased).toBe('true');
    expect(listingQuery({ erased: 'no' }, {}).erased).toBe('false');
  });

  it('leaves out --reveal and the receiver options: they are not filters', () => {
    const query = listingQuery({ reveal: true, receiver: 'http://x', adminToken: 'secret-token' }, {});
    expect(Object.values(query).every((value) => value === undefined)).toBe(true);
  });
});

describe('moreLine', () => {
  it('repeats the filters of the page (quoted for a shell when needed), never a search, which may hold personal data', () => {
    const flagged = withNextPageFlags(page(rows, 'cur_2'), [
      ['--shop', 'acme'],
      ['--status', undefined],
      ['--from', '2026-03-04T05:06'],
      ['--limit', 2],
    ]);
    expect(moreLine('things', flagged)).toEqual([
      'more: srhooks things list --shop acme --from 2026-03-04T05:06 --limit 2 --cursor cur_2',
    ]);
    expect(JSON.parse(JSON.stringify(flagged))).toEqual(page(rows, 'cur_2'));
    const quoted = withNextPageFlags(page(rows, 'cur_2'), [['--to', "it's 5"]]);
    expect(moreLine('things', quoted)).toEqual([
      `more: srhooks things list --to 'it'\\''s 5' --cursor cur_2`,
    ]);
    const searched = withNextPageFlags(page(rows, 'cur_2'), [
      ['--shop', 'acme'],
      ['--search', 'kovacs.eva@example.com'],
    ]);
    expect(moreLine('things', searched)).toEqual([
      'more: the same command with --cursor cur_2 added (its --search is not repeated here: it may hold personal data)',
    ]);
    expect(moreLine('things', page(rows, null))).toEqual([]);
  });
});
