import type { BatchRequestInput } from './batch.js';
import { resourceId } from './resource-id.js';
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
    return { method: 'GET', uri: `webHooks/${resourceId(id, 'webHooks')}` };
  },
  update(id: string, input: WebhookInputLike): BatchRequestInput {
    return { method: 'PUT', uri: `webHooks/${resourceId(id, 'webHooks')}`, data: toWebhookInput(input) };
  },
  delete(id: string): BatchRequestInput {
    return { method: 'DELETE', uri: `webHooks/${resourceId(id, 'webHooks')}` };
  },
};
