import type { Style, TableColumn } from '../output/index.js';
import { renderTable } from '../output/index.js';
import type { AdminApi } from './admin-api-client.js';
import { shown } from './personal-data.js';

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
