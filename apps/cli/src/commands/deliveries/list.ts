import { ERASED_NOTE, erasedMark, formatOrder, paintStatus } from '../../admin-api/admin-format.js';
import type { DeliveryQuery, DeliverySummaryJson } from '../../admin-api/admin-types.js';
import {
  defineListingCommand,
  type ListingOptions,
  type ListingPage,
  listingFlags,
  listingQuery,
} from '../../admin-api/listing-command.js';
import { maskDeliverySummary, maskedNote } from '../../admin-api/personal-data.js';
import type { Command } from '../../command.js';

/** `--reveal`: customer names and decode errors unmasked. */
export interface ListDeliveriesOptions extends ListingOptions {
  eventStatus?: string;
  source?: string;
  handler?: string;
  /** `waiting`: only deliveries with a job waiting to run. */
  jobs?: string;
}

/** `revealed` false: customer names and decode errors are masked (`--reveal` shows them). */
export type ListDeliveriesResult = ListingPage<DeliverySummaryJson>;

/** Stored and quarantined deliveries, newest first (`GET /admin/api/deliveries`). */
export const listDeliveriesCommand: Command<ListDeliveriesOptions, ListDeliveriesResult> =
  defineListingCommand({
    path: '/deliveries',
    group: 'deliveries',
    query: (options): DeliveryQuery =>
      listingQuery(options, {
        eventStatus: options.eventStatus,
        source: options.source,
        handler: options.handler,
        jobs: options.jobs,
        // events tail's catch-up asks for it (live/admin-feed.ts); no flag of this command
        changedSince: undefined,
      }),
    flags: (options) =>
      listingFlags(options, [
        ['--event-status', options.eventStatus],
        ['--source', options.source],
        ['--handler', options.handler],
        ['--jobs', options.jobs],
      ]),
    handler: (options) => options.handler,
    mask: maskDeliverySummary,
    columns: (style) => [
      {
        header: 'STATUS',
        value: (delivery) =>
          paintStatus(delivery.status, style) +
          (delivery.status === 'quarantined' && delivery.decodeError
            ? ` (${delivery.decodeError.code})`
            : '') +
          erasedMark(delivery, style),
      },
      {
        header: 'ORDERS',
        value: (delivery) => delivery.events.map((event) => formatOrder(event) || event.id).join(' '),
      },
      {
        header: 'CUSTOMER',
        value: (delivery) =>
          delivery.events
            .map((event) => event.customerName)
            .filter(Boolean)
            .join(', '),
      },
      { header: 'BYTES', value: (delivery) => String(delivery.bodyBytes), align: 'right' },
    ],
    notes: (page) => {
      const notes: string[] = [];
      if (page.items.some((delivery) => delivery.status === 'quarantined'))
        notes.push('srhooks deliveries show ID says why one is quarantined; reprocess ID decodes it again');
      if (page.items.some((delivery) => delivery.erasure)) notes.push(ERASED_NOTE);
      const masked = page.items.some(
        (delivery) => delivery.decodeError || delivery.events.some((event) => event.customerName),
      );
      if (masked && !page.revealed) notes.push(maskedNote('customer names and decode errors whole'));
      return notes;
    },
  });
