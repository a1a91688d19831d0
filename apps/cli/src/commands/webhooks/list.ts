import { isWebhookEvent, type Webhook } from '@srhooks/contracts';
import { defineCommand } from '../../command.js';
import { unknownEventError } from '../../event-name.js';
import { connectShop } from '../../shop-client.js';
import { renderWebhookTable } from './webhook-view.js';

export interface ListWebhooksOptions {
  shop?: string;
  /** Only this event. */
  event?: string;
}

export interface ListWebhooksResult {
  shop: string;
  webhooks: Webhook[];
}

export const listWebhooksCommand = defineCommand<ListWebhooksOptions, ListWebhooksResult>({
  async run(options, context) {
    if (options.event !== undefined && !isWebhookEvent(options.event)) {
      throw unknownEventError(options.event);
    }
    const { target, client } = await connectShop(options.shop, context.env);
    const all = await client.webhooks.all();
    const webhooks = options.event ? all.filter((webhook) => webhook.event === options.event) : all;
    return { shop: target.shop, webhooks };
  },

  render(result, style) {
    if (result.webhooks.length === 0) {
      return `no webhooks on ${result.shop}\ncreate one with srhooks webhooks create --event order_confirm --url URL, or srhooks webhooks sync -f srhooks.config.json`;
    }
    return `${renderWebhookTable(result.webhooks, style)}\n${style.dim(`${result.webhooks.length} webhook${result.webhooks.length === 1 ? '' : 's'} on ${result.shop}`)}`;
  },
});
