import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, paintStatus } from '../../admin-api/admin-format.js';
import type { DeliveryQuery, DeliverySummaryJson } from '../../admin-api/admin-types.js';
import type { ListingOptions, ListingPage } from '../../admin-api/listing-page.js';
import {
  fetchListingPage,
  listingQuery,
  recordColumns,
  renderListingPage,
} from '../../admin-api/listing-page.js';
import { maskDeliverySummary, maskedNote } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';

export interface ListDeliveriesOptions extends AdminTargetOptions, ListingOptions {
  eventStatus?: string;
  source?: string;
  /** Customer names and decode errors unmasked. */
  reveal?: boolean;
}

/** `revealed` false: customer names and decode errors are masked (`--reveal` shows them). */
export type ListDeliveriesResult = ListingPage<DeliverySummaryJson>;

/** Stored and quarantined deliveries, newest first (`GET /admin/api/deliveries`). */
export const listDeliveriesCommand = defineCommand<ListDeliveriesOptions, ListDeliveriesResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const query: DeliveryQuery = listingQuery(options, {
      eventStatus: options.eventStatus,
      source: options.source,
    });
    return fetchListingPage(api, '/deliveries', query, options.reveal, maskDeliverySummary);
  },

  render(result, style) {
    return renderListingPage(
      result,
      {
        group: 'deliveries',
        columns: [
          ...recordColumns(),
          {
            header: 'STATUS',
            value: (delivery) =>
              paintStatus(delivery.status, style) +
              (delivery.status === 'quarantined' && delivery.decodeError
                ? ` (${delivery.decodeError.code})`
                : ''),
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
            notes.push(
              'srhooks deliveries show ID says why one is quarantined; reprocess ID decodes it again',
            );
          const masked = page.items.some(
            (delivery) => delivery.decodeError || delivery.events.some((event) => event.customerName),
          );
          if (masked && !page.revealed) notes.push(maskedNote('customer names and decode errors whole'));
          return notes;
        },
      },
      style,
    );
  },
});
