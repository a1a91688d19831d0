import { randomInt } from 'node:crypto';
import { encodeDelivery } from '@srhooks/contracts/encode-delivery';
import { type DeliveryFormat, isWebhookEvent, type WebhookEvent } from '@srhooks/contracts/events';
import { EXIT_CODES, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { buildPayload } from '../delivery/build-payload.js';
import { maskDeliveryUrl } from '../delivery/mask-delivery-url.js';
import { postDelivery } from '../delivery/post-delivery.js';
import { eventOfDeliveryUrl, slashAfterToken } from '../delivery/url-event.js';
import { unknownEventError } from '../event-name.js';
import { parseHttpUrl } from '../url-option.js';

export interface TriggerOptions {
  event: string;
  to?: string;
  format?: string;
  data?: string;
  fields?: string[];
  seed?: string;
  timeoutMs?: number;
}

export interface TriggerResult {
  event: WebhookEvent;
  format: DeliveryFormat;
  /** The target with its token masked. */
  to: string;
  source: 'sample' | 'file';
  /** Seed of the built-in sample (repeat it with --seed), null for --data. */
  seed: string | null;
  items: number;
  bytesSent: number;
  response: {
    status: number;
    statusText: string;
    contentType: string | null;
    body: string;
  };
  ok: boolean;
}

const MAX_BODY_SHOWN = 4000;

export const triggerCommand = defineCommand<TriggerOptions, TriggerResult>({
  async run(options, context) {
    if (!isWebhookEvent(options.event)) {
      throw unknownEventError(options.event);
    }
    const event = options.event;
    const to = options.to ?? context.env.SRHOOKS_TRIGGER_URL;
    if (!to)
      throw usageError(
        'missing --to',
        `pass the delivery URL, e.g. --to "$(srhooks url --shop demo --event ${event} --base http://127.0.0.1:4750)"`,
      );
    if (options.to === undefined)
      parseHttpUrl('SRHOOKS_TRIGGER_URL', to, 'e.g. SRHOOKS_TRIGGER_URL=http://127.0.0.1:4750/hooks/…');
    const urlEvent = eventOfDeliveryUrl(to);
    if (urlEvent !== undefined && urlEvent !== event) {
      context.output.warn(
        `--to is the signed URL for ${urlEvent}, but this delivery is ${event}; sending it anyway (for ${event}: srhooks url --event ${event} …)`,
      );
    }
    const format = (options.format ?? 'json') as DeliveryFormat;
    if (format !== 'json' && format !== 'xml')
      throw usageError(`--format must be json or xml, got "${options.format}"`);
    const seed = options.data ? null : (options.seed ?? String(randomInt(1, 1_000_000)));
    const built = await buildPayload({
      event,
      seed: seed ?? '',
      ...(options.data ? { dataFile: options.data } : {}),
      ...(options.fields ? { fields: options.fields } : {}),
    });
    const encoded = encodeDelivery(event, built.payload, { format });
    const response = await postDelivery({
      url: to,
      contentType: encoded.contentType,
      body: encoded.body,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (response.status === 404 && slashAfterToken(to)) {
      context.output.info(
        'hint: a srhooks receiver answers 404 to a delivery URL with a "/" after its token: remove the trailing slash',
      );
    } else if (response.status === 404 && urlEvent !== undefined) {
      context.output.info(
        `hint: a srhooks receiver answers 404 to a delivery URL it did not sign (a token made with another secret, or for another shop or event): use a URL ${productName('listen')} printed, or make one with srhooks url and the receiver's SRHOOKS_SECRETS`,
      );
    }
    return {
      event,
      format,
      to: maskDeliveryUrl(to),
      source: options.data ? 'file' : 'sample',
      seed,
      items: built.items,
      bytesSent: response.bytesSent,
      response: {
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers['content-type'] ?? null,
        body: response.body,
      },
      ok: response.status >= 200 && response.status < 300,
    };
  },

  render(result, style) {
    const status = `${result.response.status} ${result.response.statusText}`.trim();
    const head = `${result.ok ? style.green('✔') : style.red('✖')} ${result.event} (${result.format}, ${result.items} item${result.items === 1 ? '' : 's'}${result.seed ? `, seed ${result.seed}` : ''}) → ${result.to}`;
    const body = result.response.body;
    const shown =
      body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}… (${body.length} characters)` : body;
    return [
      head,
      `HTTP ${result.ok ? style.green(status) : style.red(status)}`,
      ...(shown ? [shown] : []),
    ].join('\n');
  },

  exitCode(result) {
    return result.ok ? EXIT_CODES.ok : EXIT_CODES.remote;
  },
});
