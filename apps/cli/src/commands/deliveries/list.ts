import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime, paintStatus } from '../../admin-api/admin-format.js';
import type { DeliveryQuery, DeliverySummaryJson } from '../../admin-api/admin-types.js';
import { fetchListingPage, type ListingPage, renderListingPage } from '../../admin-api/listing-page.js';
import { maskDeliverySummary, maskedNote } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';

export interface ListDeliveriesOptions extends AdminTargetOptions {
  shop?: string;
  event?: string;
  status?: string;
  eventStatus?: string;
  source?: string;
  search?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Customer names and decode errors unmasked. */
  reveal?: boolean;
}

/** `revealed` false: customer names and decode errors are masked (`--reveal` shows them). */
export type ListDeliveriesResult = ListingPage<DeliverySummaryJson>;

/** Stored and quarantined deliveries, newest first (`GET /admin/api/deliveries`). */
export const listDeliveriesCommand = defineCommand<ListDeliveriesOptions, ListDeliveriesResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const query: DeliveryQuery = {
      shop: options.shop,
      event: options.event,
      status: options.status,
      eventStatus: options.eventStatus,
      source: options.source,
      q: options.search,
      from: options.from,
      to: options.to,
      limit: options.limit,
      cursor: options.cursor,
    };
    return fetchListingPage(api, '/deliveries', query, options.reveal, maskDeliverySummary);
  },

  render(result, style) {
    return renderListingPage(
      result,
      {
        group: 'deliveries',
        columns: [
          { header: 'ID', value: (delivery) => delivery.id },
          { header: 'RECEIVED', value: (delivery) => formatTime(delivery.receivedAt) },
          { header: 'SHOP', value: (delivery) => delivery.shop },
          { header: 'EVENT', value: (delivery) => delivery.event },
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
