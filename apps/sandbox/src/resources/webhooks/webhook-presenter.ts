import type { StoredWebhook } from '../../state/shop-data.js';
import type { Link } from '../paging.js';

/**
 * How a webhook looks in API answers (FACTS.md §3, contracts fixtures/shoprenter/api/webhook/response_json_get_id.json):
 * every value a string, `webHookParameters`/`webHookDelay` entries carry a back-link.
 * - `item` (GET one, PUT, full collections): one entry → a single object, several → a list,
 *   no delay → `[]`;
 * - `created` (POST): lists always, as in the documentation's create example.
 */
export type WebhookShape = 'item' | 'created';

export function webhookHref(apiBase: string, id: string): string {
  return `${apiBase}/webHooks/${id}`;
}

function oneOrMany<T>(entries: T[], shape: WebhookShape): T | T[] {
  return shape === 'item' && entries.length === 1 ? (entries[0] as T) : entries;
}

/** The id answers show: the outer id when the item has one, else its API id (FACTS.md §9). */
export function publicWebhookId(hook: StoredWebhook): string {
  return hook.outerId ?? hook.id;
}

export function renderWebhook(
  hook: StoredWebhook,
  apiBase: string,
  shape: WebhookShape,
): Record<string, unknown> {
  const href = webhookHref(apiBase, publicWebhookId(hook));
  const backLink: Link = { href };
  const parameters = hook.webHookParameters.map((p) => ({
    type: p.type,
    url: p.url,
    webHook: backLink,
    ...(p.fields === undefined ? {} : { fields: [...p.fields] }),
  }));
  const delays = hook.webHookDelay.map((d) => ({
    delay: String(d.delay),
    delayUnit: d.delayUnit,
    webHook: backLink,
  }));
  return {
    href,
    id: publicWebhookId(hook),
    event: hook.event,
    status: hook.status,
    label: hook.label,
    webHookParameters: oneOrMany(parameters, shape),
    webHookDelay: oneOrMany(delays, shape),
  };
}
