import { defineCommand } from '../../command.js';
import { connectShop } from '../../shop-client.js';
import type { WebhookResult } from './get.js';
import { forWebhookId } from './webhook-id.js';
import { renderWebhookDetail } from './webhook-view.js';

export interface SetStatusOptions {
  shop?: string;
  /** `--timeout`: the time limit in ms of each request to the shop (default: the client's). */
  timeoutMs?: number;
  id: string;
  enabled: boolean;
}

/**
 * The results of a subscription whose status already matched (nothing was sent): said so by render,
 * while `--json` keeps its `{shop, webhook}` shape.
 */
const alreadySet = new WeakSet<WebhookResult>();

/** `webhooks enable` / `webhooks disable` (one GET and no change when the status already matches). */
export const setWebhookStatusCommand = defineCommand<SetStatusOptions, WebhookResult>({
  async run(options, context) {
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    const { webhook, changed } = await forWebhookId(target.shop, options.id, () =>
      client.webhooks.setEnabled(options.id, options.enabled),
    );
    const result = { shop: target.shop, webhook };
    if (!changed) alreadySet.add(result);
    return result;
  },

  render(result, style) {
    const status = result.webhook.enabled ? 'enabled' : 'disabled';
    const head = alreadySet.has(result)
      ? `${style.green('✔')} webhook ${result.webhook.id} was already ${status}: nothing changed`
      : `${style.green('✔')} webhook ${result.webhook.id} is ${status}`;
    return `${head}\n${renderWebhookDetail(result.webhook, style)}`;
  },
});
