import type { Webhook } from '@srhooks/contracts';
import { isWebhookEvent } from '@srhooks/contracts/events';
import { defineCommand } from '../../command.js';
import {
  assertUsableSecrets,
  type SignedWith,
  secretsFromEnv,
  signedWith,
} from '../../config/receiver-secrets.js';
import { unknownEventError } from '../../event-name.js';
import { connectShop } from '../../shop-client.js';
import { renderWebhookTable } from './webhook-view.js';

export interface ListWebhooksOptions {
  shop?: string;
  /** `--timeout`: the time limit in ms of each request to the shop (default: the client's). */
  timeoutMs?: number;
  /** Only this event. */
  event?: string;
}

export interface ListWebhooksResult {
  shop: string;
  webhooks: Webhook[];
  /**
   * With `SRHOOKS_SECRETS` set: for each subscription (by id) whose URL is a receiver URL
   * (`…/hooks/{shop}/{event}/{token}`), which of those secrets it verifies against — `current`
   * (the first), `old` (a later one: rotate it out) or `none` (the receiver answers 404).
   */
  signedWith?: Record<string, SignedWith>;
}

export const listWebhooksCommand = defineCommand<ListWebhooksOptions, ListWebhooksResult>({
  async run(options, context) {
    if (options.event !== undefined && !isWebhookEvent(options.event)) {
      throw unknownEventError(options.event);
    }
    // checked before the shop is asked: a secret too short to be the receiver's would report "none"
    const secrets = assertUsableSecrets(secretsFromEnv(context.env));
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    const all = await client.webhooks.all();
    const webhooks = options.event ? all.filter((webhook) => webhook.event === options.event) : all;
    if (secrets.length === 0) return { shop: target.shop, webhooks };
    const signed: Record<string, SignedWith> = {};
    for (const webhook of webhooks) {
      const which = signedWith(webhook.webHookParameters[0]?.url ?? '', secrets);
      if (which) signed[webhook.id] = which;
    }
    return { shop: target.shop, webhooks, signedWith: signed };
  },

  render(result, style) {
    if (result.webhooks.length === 0) {
      return `no webhooks on ${result.shop}\ncreate one with srhooks webhooks create --event order_confirm --url URL, or srhooks webhooks sync -f srhooks.config.json`;
    }
    return `${renderWebhookTable(result.webhooks, style, result.signedWith)}\n${style.dim(`${result.webhooks.length} webhook${result.webhooks.length === 1 ? '' : 's'} on ${result.shop}`)}`;
  },
});
