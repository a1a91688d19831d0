import { defineCommand } from '../../command.js';
import { connectShop } from '../../shop-client.js';

export interface DeleteWebhooksOptions {
  shop?: string;
  ids: string[];
}

export interface DeleteWebhooksResult {
  shop: string;
  deleted: string[];
}

export const deleteWebhooksCommand = defineCommand<DeleteWebhooksOptions, DeleteWebhooksResult>({
  async run(options, context) {
    const { target, client } = await connectShop(options.shop, context.env);
    const deleted: string[] = [];
    // one after another: the shop allows 3 requests a second, and a failure stops the rest
    for (const id of options.ids) {
      await client.webhooks.delete(id);
      deleted.push(id);
    }
    return { shop: target.shop, deleted };
  },

  render(result, style) {
    return result.deleted.map((id) => `${style.green('✔')} deleted webhook ${id}`).join('\n');
  },
});
