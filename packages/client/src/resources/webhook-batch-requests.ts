import type { BatchRequestInput } from './batch.js';
import { resourceId, shopOfIdHref } from './resource-id.js';
import { toWebhookInput, type WebhookInputLike } from './webhook-input.js';
import { type CreateWebhookOptions, webhookCreateBody } from './webhooks.js';

/**
 * Inner requests on `webHooks` for `client.batch()`, checked like the resource's own methods.
 * An item created with an outer id can be referred to by it in later requests of the same batch
 * (the documentation's reason for outer ids, FACTS.md §9):
 *
 * ```ts
 * await client.batch([
 *   webhookRequests.create(spec, { outerId: 'erp-confirm' }),
 *   webhookRequests.update('erp-confirm', { ...spec, enabled: false }),
 * ]);
 * ```
 */
export const webhookRequests = {
  create(input: WebhookInputLike, options: CreateWebhookOptions = {}): BatchRequestInput {
    return { method: 'POST', uri: 'webHooks', data: webhookCreateBody(input, options) };
  },
  get(id: string): BatchRequestInput {
    return { method: 'GET', uri: `webHooks/${resourceId(id, 'webHooks')}`, ...hrefOf(id) };
  },
  update(id: string, input: WebhookInputLike): BatchRequestInput {
    return {
      method: 'PUT',
      uri: `webHooks/${resourceId(id, 'webHooks')}`,
      data: toWebhookInput(input),
      ...hrefOf(id),
    };
  },
  delete(id: string): BatchRequestInput {
    return { method: 'DELETE', uri: `webHooks/${resourceId(id, 'webHooks')}`, ...hrefOf(id) };
  },
};

/**
 * An id given as a full href keeps the href and the shop it names: ids are numbered per shop, so a
 * client of another shop refuses the request (`batch()`) instead of acting on the same id in its own.
 */
function hrefOf(id: string): Pick<BatchRequestInput, 'href'> {
  const shop = shopOfIdHref(id);
  return shop === undefined ? {} : { href: { value: id, shop } };
}
