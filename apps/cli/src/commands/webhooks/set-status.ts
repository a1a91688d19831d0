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

/** `webhooks enable` / `webhooks disable` (no request when the status already matches). */
export const setWebhookStatusCommand = defineCommand<SetStatusOptions, WebhookResult>({
  async run(options, context) {
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    const webhook = await forWebhookId(target.shop, options.id, () =>
      options.enabled ? client.webhooks.enable(options.id) : client.webhooks.disable(options.id),
    );
    return { shop: target.shop, webhook };
  },

  render(result, style) {
    return `${style.green('✔')} webhook ${result.webhook.id} is ${result.webhook.enabled ? 'enabled' : 'disabled'}\n${renderWebhookDetail(result.webhook, style)}`;
  },
});
