import {
  ERASED_NOTE,
  erasedMark,
  formatOrder,
  formatTotal,
  paintStatus,
} from '../../admin-api/admin-format.js';
import type { EventSummaryJson } from '../../admin-api/admin-types.js';
import {
  defineListingCommand,
  type ListingOptions,
  type ListingPage,
  listingFlags,
  listingQuery,
} from '../../admin-api/listing-command.js';
import { maskEventSummary } from '../../admin-api/personal-data.js';
import type { Command } from '../../command.js';

/** `--reveal`: customer names unmasked (in `--json`; the table shows none). */
export interface ListEventsOptions extends ListingOptions {
  delivery?: string;
  handler?: string;
}

/** `revealed` false: customer names are masked (`--reveal` shows them). */
export type ListEventsResult = ListingPage<EventSummaryJson>;

/** Stored events, newest first, through the receiver's admin API (`GET /admin/api/events`). */
export const listEventsCommand: Command<ListEventsOptions, ListEventsResult> = defineListingCommand({
  path: '/events',
  group: 'events',
  query: (options) => listingQuery(options, { deliveryId: options.delivery, handler: options.handler }),
  flags: (options) =>
    listingFlags(options, [
      ['--delivery', options.delivery],
      ['--handler', options.handler],
    ]),
  handler: (options) => options.handler,
  mask: maskEventSummary,
  columns: (style) => [
    { header: 'ORDER', value: formatOrder },
    { header: 'TOTAL', value: formatTotal, align: 'right' },
    { header: 'STATUS', value: (event) => paintStatus(event.status, style) + erasedMark(event, style) },
  ],
  notes: (page) => (page.items.some((event) => event.erasure) ? [ERASED_NOTE] : []),
});
