import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import {
  erasedMark,
  formatOrder,
  formatTime,
  formatTotal,
  paintStatus,
} from '../../admin-api/admin-format.js';
import { checkDeliveryId } from '../../admin-api/admin-input.js';
import type { DeliveryDetailJson } from '../../admin-api/admin-types.js';
import {
  DECODE_DETAIL_NOT_RECORDED,
  type DeliveryView,
  decodeValueText,
  maskDeliveryDetail,
  maskedNote,
  shown,
} from '../../admin-api/personal-data.js';
import { isRunningListen } from '../../admin-api/running-listen.js';
import { defineCommand } from '../../command.js';
import { listenTooLargeMessage } from '../../live/listen-body-limit.js';
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

/**
 * Where it failed to decode: part and field as they are; the value as the API answered it when revealed
 * (a string as it is, anything else as JSON), else the mask's `value hidden (…)` text.
 */
function decodeDetailRows(
  detail: NonNullable<DeliveryView['decodeError']>['detail'],
  revealed: boolean,
  erased: boolean,
) {
  // an erasure removes the detail with the body it may quote: it was recorded, then erased
  if (detail === null)
    return [
      [
        'part, field, value',
        erased ? 'erased on request (with the body as received)' : DECODE_DETAIL_NOT_RECORDED,
      ],
    ] as [string, string][];
  if (Object.keys(detail).length === 0) return []; // a quarantine reason with none (`unknown_shop`)
  const rows: [string, string][] = [['part', detail.part ?? '-']];
  if (detail.path !== undefined) rows.push(['field', detail.path]);
  if ('value' in detail) {
    rows.push(['value', revealed ? decodeValueText(detail.value) : String(detail.value)]);
  }
  return rows;
}

/** One delivery as received, with why it is quarantined and its events (`GET /admin/api/deliveries/:id`). */
export const showDeliveryCommand = defineCommand<ShowDeliveryOptions, ShowDeliveryResult>({
  async run(options, context) {
    const id = checkDeliveryId(options.id);
    const api = await openAdminApi(options, context.env);
    const answer = await api.get<{ delivery: DeliveryDetailJson }>(`/deliveries/${encodeURIComponent(id)}`);
    const { revealed, value: delivery } = shown(options.reveal, answer.delivery, maskDeliveryDetail);
    const { decodeError } = delivery;
    // this config directory's srhooks listen: a too_large delivery's advice names --body-limit, not the
    // receiver's SRHOOKS_BODY_LIMIT (a setting listen does not read)
    if (decodeError?.code === 'too_large' && (await isRunningListen(api.receiverUrl, context.env))) {
      const message = listenTooLargeMessage(decodeError.code, decodeError.message, delivery.id);
      return {
        receiver: api.receiverUrl,
        revealed,
        delivery: { ...delivery, decodeError: { ...decodeError, message } },
      };
    }
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
      ...(delivery.erasure
        ? [['erased', `${formatTime(delivery.erasure.at)} (${delivery.erasure.reason})`] as [string, string]]
        : []),
      ['from', delivery.remoteAddress],
      ['content type', delivery.contentType || '-'],
      ['body', `${delivery.bodyBytes} bytes`],
    ];
    if (delivery.decodeError) {
      rows.push(['decode error', `${style.red(delivery.decodeError.code)}: ${delivery.decodeError.message}`]);
      rows.push(...decodeDetailRows(delivery.decodeError.detail, result.revealed, Boolean(delivery.erasure)));
    }
    const lines = [renderFields(rows, style), ''];
    if (delivery.events.length > 0) {
      lines.push(
        renderTable(delivery.events, [
          { header: 'EVENT', value: (event) => event.id },
          { header: 'ORDER', value: formatOrder },
          { header: 'CUSTOMER', value: (event) => event.customerName ?? '' },
          { header: 'TOTAL', value: formatTotal, align: 'right' },
          {
            header: 'STATUS',
            value: (event) => paintStatus(event.status, style) + erasedMark(event, style),
          },
        ]),
      );
    } else {
      lines.push(style.dim('no events'));
    }
    if (delivery.erasure) {
      lines.push('', style.dim('personal data erased on request: the body as received is not kept'));
    } else if (delivery.status === 'quarantined') {
      lines.push(
        '',
        style.dim(`srhooks deliveries reprocess ${delivery.id} decodes it again and stores its events`),
      );
    }
    if (result.revealed && delivery.rawBody.text !== undefined && !delivery.erasure) {
      lines.push('', style.dim(`raw body (${delivery.rawBody.bytes} bytes):`), delivery.rawBody.text);
    } else if (!result.revealed) {
      lines.push('', style.dim(maskedNote('the raw body, customer names and the decode error whole')));
    }
    return lines.join('\n');
  },
});
