import { type Command, defineCommand } from '../command.js';
import type { Style, TableColumn } from '../output/index.js';
import { renderTable } from '../output/index.js';
import { type AdminTargetOptions, openAdminApi } from './admin-api-client.js';
import { formatTime } from './admin-format.js';
import { checkHandlerKnown, checkShopKnown } from './admin-input.js';
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
  /** `yes`: only the rows whose personal data was erased; `no`: only the others (the API's `erased`). */
  erased?: string;
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
  /** The flags given, for the next page's command: {@link listingFlags} with the listing's own. */
  flags(options: Options): PageFlag[];
  /**
   * The `--handler` filter given, if the listing has one: when it matched nothing, a name no handler of
   * the receiver has is refused naming those it has (a typo is not an empty list), as `dead-letters list` does.
   */
  handler?(options: Options): string | undefined;
}

/** The admin API's `erased` of `--erased yes|no` (commander allows only those); undefined without it. */
function erasedQuery(erased: string | undefined): 'true' | 'false' | undefined {
  return erased === undefined ? undefined : erased === 'yes' ? 'true' : 'false';
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
    erased: erasedQuery(options.erased),
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
      const query = listing.query(options);
      // A search (a customer's name, e-mail) goes in the body of the list's search route, never in the
      // URL: a reverse proxy in front of the receiver logs every request's address.
      const page =
        query.q === undefined
          ? await api.get<ListedPage<Item>>(listing.path, query)
          : await api.post<ListedPage<Item>>(`${listing.path}/search`, definedFields(query));
      if (page.items.length === 0) {
        const handler = listing.handler?.(options);
        if (handler) await checkHandlerKnown(api, handler);
        if (options.shop) await checkShopKnown(api, options.shop, listing.path);
      }
      // through shown(), the one place a command decides what --reveal shows
      const { revealed, value: items } = shown(options.reveal, page.items, (answer) =>
        answer.map((item) => listing.mask(item)),
      );
      return withNextPageFlags(
        { receiver: api.receiverUrl, revealed, items, nextCursor: page.nextCursor },
        listing.flags(options),
      );
    },
    render: (page, style) => renderListingPage(page, listing, style),
  });
}

/** A page as the admin API's list routes answer it. */
interface ListedPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

/** The fields given (JSON would drop an undefined one anyway; this says so). */
function definedFields(fields: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<
    string,
    string | number
  >;
}

/** A flag of the command that listed a page, with its value (undefined: not given). */
export type PageFlag = readonly [flag: string, value: string | number | undefined];

/** Where a page keeps the flags it was listed with: a symbol, never in the `--json` document. */
const NEXT_PAGE_FLAGS = Symbol('next page flags');

/**
 * `page` carrying the flags it was listed with (filters and `--limit`, not `--cursor`), for its
 * `more:` line; not enumerable, so `--json` prints the page as before.
 */
export function withNextPageFlags<Page extends { nextCursor: string | null }>(
  page: Page,
  flags: readonly PageFlag[],
): Page {
  Object.defineProperty(page, NEXT_PAGE_FLAGS, { value: flags, enumerable: false });
  return page;
}

/** The flags a page was listed with, those given only. */
function pageFlags(page: object): PageFlag[] {
  return ((page as { [NEXT_PAGE_FLAGS]?: readonly PageFlag[] })[NEXT_PAGE_FLAGS] ?? []).filter(
    ([, value]) => value !== undefined && value !== '',
  );
}

/**
 * ` --handler erp --from 2025-12-01`: those of `flags` the page was listed with, as a command line
 * repeats them (for a command that takes the same filters, e.g. `dead-letters retry`).
 */
export function givenFlags(page: object, flags: readonly string[]): string {
  return pageFlags(page)
    .filter(([flag]) => flags.includes(flag))
    .map(([flag, value]) => ` ${flag} ${shellWord(String(value))}`)
    .join('');
}

/** Whether a page was listed with `--cursor`: a later page than the first. */
export function isLaterPage(page: object): boolean {
  return pageFlags(page).some(([flag]) => flag === '--cursor');
}

/** A value as a POSIX shell reads it back: bare when safe, else in single quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.,:@%+=/-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * How to list the next page, none on the last page: `more: srhooks <group> list <the same filters and
 * --limit> --cursor …` (a cursor alone lists the next page of the unfiltered list). A `--search` is not
 * repeated (it may hold a customer's name, e-mail or phone): the line then says to add the cursor to
 * the same command.
 */
export function moreLine(group: string, page: { nextCursor: string | null }): string[] {
  if (!page.nextCursor) return [];
  const flags = pageFlags(page).filter(([flag]) => flag !== '--cursor');
  if (flags.some(([flag]) => flag === '--search')) {
    return [
      `more: the same command with --cursor ${page.nextCursor} added (its --search is not repeated here: it may hold personal data)`,
    ];
  }
  const given = flags.map(([flag, value]) => ` ${flag} ${shellWord(String(value))}`).join('');
  return [`more: srhooks ${group} list${given} --cursor ${page.nextCursor}`];
}

/** The flags of a listing command, in its usage's order, then its own (`extra`) before `--search`. */
export function listingFlags(options: ListingOptions, extra: readonly PageFlag[] = []): PageFlag[] {
  return [
    ['--shop', options.shop],
    ['--event', options.event],
    ['--status', options.status],
    ...extra,
    ['--erased', options.erased],
    ['--search', options.search],
    ['--from', options.from],
    ['--to', options.to],
    ['--limit', options.limit],
  ];
}

/**
 * What an empty page says: `no events at <receiver>`, or, when it was listed with filters, those
 * filters, which are why it is empty: `no events at <receiver> match --status dead --search …` (a
 * `--search`'s text is not repeated: it may hold personal data). `--limit` and `--cursor` filter nothing.
 */
export function noneListed(items: string, page: { receiver: string }): string {
  const filters = pageFlags(page).filter(([flag]) => flag !== '--limit' && flag !== '--cursor');
  if (filters.length === 0) return `no ${items} at ${page.receiver}`;
  const given = filters
    .map(([flag, value]) => ` ${flag} ${flag === '--search' ? '…' : shellWord(String(value))}`)
    .join('');
  const searched = filters.some(([flag]) => flag === '--search');
  return `no ${items} at ${page.receiver} match${given}${searched ? ' (the --search text is not repeated here: it may hold personal data)' : ''}`;
}

/**
 * A page as a table, then how to list the next page, then the view's notes; {@link noneListed} when
 * the page is empty.
 */
export function renderListingPage<Item extends ListedRecord>(
  page: ListingPage<Item>,
  view: ListingView<Item>,
  style: Style,
): string {
  if (page.items.length === 0) return noneListed(view.group, page);
  const columns: TableColumn<Item>[] = [
    { header: 'ID', value: (item) => item.id },
    { header: 'RECEIVED', value: (item) => formatTime(item.receivedAt) },
    { header: 'SHOP', value: (item) => item.shop },
    { header: 'EVENT', value: (item) => item.event },
    ...view.columns(style),
  ];
  const below = [...moreLine(view.group, page), ...(view.notes?.(page) ?? [])];
  return [renderTable(page.items, columns), ...below.map((line) => style.dim(line))].join('\n');
}
