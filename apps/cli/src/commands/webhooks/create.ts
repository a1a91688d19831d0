import { defineCommand } from '../../command.js';
import { connectShop } from '../../shop-client.js';
import type { WebhookResult } from './get.js';
import { specFromCreateFlags, type WebhookFlags } from './webhook-flags.js';
import { renderWebhookDetail } from './webhook-view.js';

export const createWebhookCommand = defineCommand<WebhookFlags, WebhookResult>({
  async run(options, context) {
    const spec = specFromCreateFlags(options);
    const { target, client } = await connectShop(options.shop, context.env);
    return { shop: target.shop, webhook: await client.webhooks.create(spec) };
  },

  render(result, style) {
    return `${style.green('✔')} created webhook ${result.webhook.id} on ${result.shop}\n${renderWebhookDetail(result.webhook, style)}`;
  },
});
