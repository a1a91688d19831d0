import { type Command, defineCommand } from '../command.js';
import type { Style, TableColumn } from '../output/index.js';
import { renderTable } from '../output/index.js';
import { type AdminTargetOptions, openAdminApi } from './admin-api-client.js';
import { formatTime } from './admin-format.js';
import { shown } from './personal-data.js';

/**
 * A `list` command of a paged admin API listing (`deliveries list`, `events list`): it fetches one
 * page, masks its personal data unless `--reveal`, and prints it as a table (or `--json`).
 */

/** The options every listing has: its filters, paging, and `--reveal`. */
export interface ListingOptions extends AdminTargetOptions {
  shop?: string;
  event?: string;
  status?: string;
  search?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** The items' personal data unmasked. */
  reveal?: boolean;
}

/** One page as the command prints it, human output and `--json` alike. */
export interface ListingPage<Item> {
  receiver: string;
  /** False: the items' personal data is masked (`--reveal` shows it). */
  revealed: boolean;
  items: Item[];
  /** `--cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** What every listed record has: deliveries and events alike. */
interface ListedRecord {
  id: string;
  receivedAt: string;
  shop: string;
  event: string;
}

/** How a listing is printed. */
export interface ListingView<Item> {
  /** The command group, which is also what its items are called: `deliveries`, `events`. */
  group: string;
  /** The columns after the ones every listing starts with (ID, RECEIVED, SHOP, EVENT). */
  columns(style: Style): TableColumn<Item>[];
  /** Lines under the table (dimmed), after the next page's command. */
  notes?(page: ListingPage<Item>): string[];
}

export interface Listing<Options extends ListingOptions, Item extends ListedRecord>
  extends ListingView<Item> {
  /** The admin API route: `/deliveries`, `/events`. */
  path: string;
  /** The route's query: {@link listingQuery} with the listing's own filters. */
  query(options: Options): Record<string, string | number | undefined>;
  /** An item as printed without `--reveal`. */
  mask(item: Item): Item;
}

/** The admin API query of `options`, with a listing's own filters (`extra`) after `status`. */
export function listingQuery<Extra extends Record<string, string | undefined>>(
  options: ListingOptions,
  extra: Extra,
) {
  return {
    shop: options.shop,
    event: options.event,
    status: options.status,
    ...extra,
    q: options.search,
    from: options.from,
    to: options.to,
    limit: options.limit,
    cursor: options.cursor,
  };
}

export function defineListingCommand<Options extends ListingOptions, Item extends ListedRecord>(
  listing: Listing<Options, Item>,
): Command<Options, ListingPage<Item>> {
  return defineCommand({
    async run(options, context) {
      const api = await openAdminApi(options, context.env);
      const page = await api.get<{ items: Item[]; nextCursor: string | null }>(
        listing.path,
        listing.query(options),
      );
      // through shown(), the one place a command decides what --reveal shows
      const { revealed, value: items } = shown(options.reveal, page.items, (answer) =>
        answer.map((item) => listing.mask(item)),
      );
      return { receiver: api.receiverUrl, revealed, items, nextCursor: page.nextCursor };
    },
    render: (page, style) => renderListingPage(page, listing, style),
  });
}

/** How to list the next page (`more: srhooks <group> list --cursor …`), none on the last page. */
export function moreLine(group: string, nextCursor: string | null): string[] {
  return nextCursor ? [`more: srhooks ${group} list --cursor ${nextCursor}`] : [];
}

/**
 * A page as a table, then how to list the next page, then the view's notes; `no <items> at <receiver>`
 * when the page is empty.
 */
export function renderListingPage<Item extends ListedRecord>(
  page: ListingPage<Item>,
  view: ListingView<Item>,
  style: Style,
): string {
  if (page.items.length === 0) return `no ${view.group} at ${page.receiver}`;
  const columns: TableColumn<Item>[] = [
    { header: 'ID', value: (item) => item.id },
    { header: 'RECEIVED', value: (item) => formatTime(item.receivedAt) },
    { header: 'SHOP', value: (item) => item.shop },
    { header: 'EVENT', value: (item) => item.event },
    ...view.columns(style),
  ];
  const below = [...moreLine(view.group, page.nextCursor), ...(view.notes?.(page) ?? [])];
  return [renderTable(page.items, columns), ...below.map((line) => style.dim(line))].join('\n');
}
