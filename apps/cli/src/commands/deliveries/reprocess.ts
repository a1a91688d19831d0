import { AdminAnswerError, type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { checkDeliveryId } from '../../admin-api/admin-input.js';
import type { ReprocessRequestJson, ReprocessResultJson } from '../../admin-api/admin-types.js';
import { maskDecodeErrorMessage } from '../../admin-api/personal-data.js';
import { CliError, EXIT_CODES, usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { counted } from '../../output/counted.js';

export interface ReprocessDeliveryOptions extends AdminTargetOptions {
  id: string;
  /** A Payment API notification quarantined `shop_mismatch`: file it under the shop its charge is bound to. */
  acceptShopMismatch?: boolean;
}

export interface ReprocessDeliveryResult extends ReprocessResultJson {
  receiver: string;
}

/** Answers of a payment notification's filing rules that leave the delivery quarantined. */
const STAYS_QUARANTINED_HINT: Record<string, (id: string) => string> = {
  shop_mismatch: (id) =>
    `if the notification is genuine and only came under the wrong shop (e.g. a wrong notificationUrl), srhooks deliveries reprocess ${id} --accept-shop-mismatch files it under the shop its charge is bound to`,
  unknown_shop: (id) => `run srhooks deliveries reprocess ${id} again once the app is installed on that shop`,
};

function describeDecodeError(error: unknown): string {
  if (error === null || typeof error !== 'object') return '';
  const { code, part, path, message } = error as Record<string, unknown>;
  return [
    typeof code === 'string' ? code : '',
    typeof part === 'string' ? ` in ${part}` : '',
    typeof path === 'string' ? ` at ${path}` : '',
    typeof message === 'string' ? `: ${maskDecodeErrorMessage(message)}` : '',
  ].join('');
}

/** The receiver's refusal of a re-process as a command-line error: why, and what to do about it. */
function refusal(error: unknown, id: string): unknown {
  if (!(error instanceof AdminAnswerError)) return error;
  const stays = (message: string, hint: string) =>
    new CliError(`${id} stays quarantined: ${message}`, {
      code: error.code,
      exitCode: EXIT_CODES.remote,
      hint,
    });
  switch (error.code) {
    case 'not_quarantined':
      return usageError(
        error.message,
        'only quarantined deliveries are re-processed; srhooks deliveries list --status quarantined lists them',
        error.code,
      );
    case 'still_undecodable':
      // The API's message quotes the decode error whole (with what the sender sent): only its parts here,
      // the sender's values masked (`deliveries show --reveal` shows them, as the hint says).
      return stays(
        `it still does not decode (${describeDecodeError(error.details.decodeError)})`,
        `it needs a decoder that reads it (a newer receiver); srhooks deliveries show ${id} --reveal shows the body as received`,
      );
    case 'shop_mismatch':
    case 'unknown_shop': {
      const reason = typeof error.details.reason === 'string' ? error.details.reason : error.message;
      return stays(`${error.code}: ${reason}`, STAYS_QUARANTINED_HINT[error.code]?.(id) ?? '');
    }
    case 'invalid_request':
      if (error.details.field === 'acceptShopMismatch') {
        return usageError(
          `--accept-shop-mismatch is only for Payment API notifications, and ${id} is not one`,
          `run srhooks deliveries reprocess ${id} without it`,
          'invalid_option',
        );
      }
      return error;
    default:
      // app_mode_off, unknown_claim, unknown_event: the receiver cannot re-process it at all; its message says why.
      return error.status === 409
        ? new CliError(error.message, { code: error.code, exitCode: EXIT_CODES.remote })
        : error;
  }
}

/**
 * Decodes a quarantined delivery again and stores its events and handler jobs
 * (`POST /admin/api/deliveries/:id/reprocess`); a Payment API notification runs the filing rules again.
 */
export const reprocessDeliveryCommand = defineCommand<ReprocessDeliveryOptions, ReprocessDeliveryResult>({
  async run(options, context) {
    const id = checkDeliveryId(options.id);
    const api = await openAdminApi(options, context.env);
    const request: ReprocessRequestJson | undefined = options.acceptShopMismatch
      ? { acceptShopMismatch: true }
      : undefined;
    try {
      const answer = await api.post<ReprocessResultJson>(
        `/deliveries/${encodeURIComponent(id)}/reprocess`,
        request,
      );
      return {
        receiver: api.receiverUrl,
        deliveryId: answer.deliveryId,
        events: answer.events,
        duplicates: answer.duplicates,
      };
    } catch (error) {
      throw refusal(error, id);
    }
  },

  render(result, style) {
    const fresh = result.events.filter((event) => event.duplicateOf === null);
    if (result.events.length === 0)
      return `${style.green('✔')} ${result.deliveryId} re-processed: it holds no events`;
    const parts = [];
    if (fresh.length > 0)
      parts.push(`${counted(fresh.length, 'event')} stored (${fresh.map((event) => event.id).join(', ')})`);
    if (result.duplicates > 0) {
      parts.push(`${counted(result.duplicates, 'duplicate')} of events stored before (not handled again)`);
    }
    const lines = [`${style.green('✔')} ${result.deliveryId} re-processed: ${parts.join(', ')}`];
    const first = fresh[0];
    if (first) lines.push(style.dim(`srhooks events show ${first.id} shows how its handlers ran`));
    return lines.join('\n');
  },
});
