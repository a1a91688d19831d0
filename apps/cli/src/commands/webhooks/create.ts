import type { ShopRenterClient, WebhookSpec } from '@srhooks/client/api';
import type { Webhook } from '@srhooks/contracts';
import { dedupeFieldsWarning } from '@srhooks/contracts/dedupe-key';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { maskDeliveryUrl } from '../../delivery/mask-delivery-url.js';
import { checkSignedUrlTarget } from '../../delivery/url-event.js';
import { connectShop } from '../../shop-client.js';
import type { WebhookResult } from './get.js';
import { specFromCreateFlags, type WebhookFlags } from './webhook-flags.js';
import { renderWebhookDetail } from './webhook-view.js';

export interface CreateWebhookOptions extends WebhookFlags {
  /** `--allow-duplicate`: create even when a subscription with the same event and url exists. */
  allowDuplicate?: boolean;
}

/**
 * The first existing subscription with the spec's event that already delivers to its url, read
 * page after page (through the client, so under its rate limit) and stopping at the first match.
 */
async function findDuplicate(client: ShopRenterClient, spec: WebhookSpec): Promise<Webhook | undefined> {
  for await (const webhook of client.webhooks.iterate()) {
    if (webhook.event === spec.event && webhook.webHookParameters.some((p) => p.url === spec.url)) {
      return webhook;
    }
  }
  return undefined;
}

export const createWebhookCommand = defineCommand<CreateWebhookOptions, WebhookResult>({
  async run(options, context) {
    const spec = specFromCreateFlags(options);
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    checkSignedUrlTarget(spec.url, target.shop, spec.event, '--url');
    const warning = dedupeFieldsWarning(`${target.shop} ${spec.event}`, spec.event, spec.fields);
    if (warning) context.output.warn(warning);
    if (options.allowDuplicate !== true) {
      const existing = await findDuplicate(client, spec);
      if (existing) {
        throw usageError(
          `${target.shop} already has webhook ${existing.id} for ${spec.event} to ${maskDeliveryUrl(spec.url)}: a second one would deliver every ${spec.event} twice`,
          `change that one with srhooks webhooks update ${existing.id} …, or pass --allow-duplicate if you really want two`,
          'duplicate_webhook',
        );
      }
    }
    return { shop: target.shop, webhook: await client.webhooks.create(spec) };
  },

  render(result, style) {
    return `${style.green('✔')} created webhook ${result.webhook.id} on ${result.shop}\n${renderWebhookDetail(result.webhook, style)}`;
  },
});
