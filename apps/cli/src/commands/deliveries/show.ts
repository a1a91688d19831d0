import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime, formatTotal, paintStatus } from '../../admin-api/admin-format.js';
import { checkDeliveryId } from '../../admin-api/admin-input.js';
import type { DeliveryDetailJson } from '../../admin-api/admin-types.js';
import { type DeliveryView, maskDeliveryDetail, maskedNote, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';
import { renderFields, renderTable } from '../../output/index.js';

export interface ShowDeliveryOptions extends AdminTargetOptions {
  id: string;
  /** The raw body, the events' payloads, customer names and the decode error unmasked. */
  reveal?: boolean;
}

export interface ShowDeliveryResult {
  receiver: string;
  /** False: masked (`rawBody` only `{bytes}`, no event payloads; `--reveal` shows them). */
  revealed: boolean;
  delivery: DeliveryView;
}

/** One delivery as received, with why it is quarantined and its events (`GET /admin/api/deliveries/:id`). */
export const showDeliveryCommand = defineCommand<ShowDeliveryOptions, ShowDeliveryResult>({
  async run(options, context) {
    const id = checkDeliveryId(options.id);
    const api = await openAdminApi(options, context.env);
    const answer = await api.get<{ delivery: DeliveryDetailJson }>(`/deliveries/${encodeURIComponent(id)}`);
    const { revealed, value: delivery } = shown(options.reveal, answer.delivery, maskDeliveryDetail);
    return { receiver: api.receiverUrl, revealed, delivery };
  },

  render(result, style) {
    const delivery = result.delivery;
    const rows: [string, string][] = [
      ['id', delivery.id],
      ['received', formatTime(delivery.receivedAt)],
      ['shop', delivery.shop],
      ['event', delivery.event],
      ['source', delivery.source],
      [
        'status',
        `${paintStatus(delivery.status, style)}${delivery.reprocessedAt ? ` (re-processed ${formatTime(delivery.reprocessedAt)})` : ''}`,
      ],
      ['from', delivery.remoteAddress],
      ['content type', delivery.contentType || '-'],
      ['body', `${delivery.bodyBytes} bytes`],
    ];
    if (delivery.decodeError) {
      rows.push(['decode error', `${style.red(delivery.decodeError.code)}: ${delivery.decodeError.message}`]);
    }
    const lines = [renderFields(rows, style), ''];
    if (delivery.events.length > 0) {
      lines.push(
        renderTable(delivery.events, [
          { header: 'EVENT', value: (event) => event.id },
          { header: 'ORDER', value: formatOrder },
          { header: 'CUSTOMER', value: (event) => event.customerName ?? '' },
          { header: 'TOTAL', value: formatTotal, align: 'right' },
          { header: 'STATUS', value: (event) => paintStatus(event.status, style) },
        ]),
      );
    } else {
      lines.push(style.dim('no events'));
    }
    if (delivery.status === 'quarantined') {
      lines.push(
        '',
        style.dim(`srhooks deliveries reprocess ${delivery.id} decodes it again and stores its events`),
      );
    }
    if (result.revealed && delivery.rawBody.text !== undefined) {
      lines.push('', style.dim(`raw body (${delivery.rawBody.bytes} bytes):`), delivery.rawBody.text);
    } else if (!result.revealed) {
      lines.push('', style.dim(maskedNote('the raw body, customer names and the decode error whole')));
    }
    return lines.join('\n');
  },
});
