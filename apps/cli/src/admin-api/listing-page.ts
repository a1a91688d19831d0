import type { Style, TableColumn } from '../output/index.js';
import { renderTable } from '../output/index.js';
import type { AdminApi } from './admin-api-client.js';
import { formatTime } from './admin-format.js';
import { shown } from './personal-data.js';

/** The filters and paging options of the paged listings (`deliveries list`, `events list`). */
export interface ListingOptions {
  shop?: string;
  event?: string;
  status?: string;
  search?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
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

/**
 * One page of a paged admin API listing (`GET /deliveries`, `GET /events`) as a `list` command
 * prints it, human output and `--json` alike.
 */
export interface ListingPage<Item> {
  receiver: string;
  /** False: the items' personal data is masked (`--reveal` shows it). */
  revealed: boolean;
  items: Item[];
  /** `--cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/**
 * Fetches one page of `path` with `query`, its items masked one by one with `maskItem` unless
 * `reveal` (through {@link shown}, the one place a command decides that).
 */
export async function fetchListingPage<Item>(
  api: AdminApi,
  path: string,
  query: Record<string, string | number | undefined>,
  reveal: boolean | undefined,
  maskItem: (item: Item) => Item,
): Promise<ListingPage<Item>> {
  const page = await api.get<{ items: Item[]; nextCursor: string | null }>(path, query);
  const { revealed, value: items } = shown(reveal, page.items, (answer) => answer.map(maskItem));
  return { receiver: api.receiverUrl, revealed, items, nextCursor: page.nextCursor };
}

/** What every listed record has: deliveries and events alike. */
interface ListedRecord {
  id: string;
  receivedAt: string;
  shop: string;
  event: string;
}

/** The columns every listing starts with: ID, RECEIVED, SHOP, EVENT. */
export function recordColumns<Item extends ListedRecord>(): TableColumn<Item>[] {
  return [
    { header: 'ID', value: (item) => item.id },
    { header: 'RECEIVED', value: (item) => formatTime(item.receivedAt) },
    { header: 'SHOP', value: (item) => item.shop },
    { header: 'EVENT', value: (item) => item.event },
  ];
}

export interface ListingView<Item> {
  /** The command group, which is also what its items are called: `deliveries`, `events`. */
  group: string;
  columns: readonly TableColumn<Item>[];
  /** Lines under the table (dimmed), after the next page's command. */
  notes?: (page: ListingPage<Item>) => string[];
}

/**
 * A page as a table, then how to list the next page, then the view's notes; `no <items> at <receiver>`
 * when the page is empty.
 */
export function renderListingPage<Item>(
  page: ListingPage<Item>,
  view: ListingView<Item>,
  style: Style,
): string {
  if (page.items.length === 0) return `no ${view.group} at ${page.receiver}`;
  const below = [
    ...(page.nextCursor ? [`more: srhooks ${view.group} list --cursor ${page.nextCursor}`] : []),
    ...(view.notes?.(page) ?? []),
  ];
  return [renderTable(page.items, view.columns), ...below.map((line) => style.dim(line))].join('\n');
}
