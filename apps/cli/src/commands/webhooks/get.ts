import type { Webhook } from '@srhooks/contracts';
import { defineCommand } from '../../command.js';
import { connectShop } from '../../shop-client.js';
import { forWebhookId } from './webhook-id.js';
import { renderWebhookDetail } from './webhook-view.js';

export interface GetWebhookOptions {
  shop?: string;
  /** `--timeout`: the time limit in ms of each request to the shop (default: the client's). */
  timeoutMs?: number;
  id: string;
}

export interface WebhookResult {
  shop: string;
  webhook: Webhook;
}

export const getWebhookCommand = defineCommand<GetWebhookOptions, WebhookResult>({
  async run(options, context) {
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    return {
      shop: target.shop,
      webhook: await forWebhookId(target.shop, options.id, () => client.webhooks.get(options.id)),
    };
  },

  render(result, style) {
    return renderWebhookDetail(result.webhook, style);
  },
});
