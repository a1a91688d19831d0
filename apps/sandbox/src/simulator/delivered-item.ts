import { isOrderEvent, projectItem, type WebhookEvent } from '@srhooks/contracts';
import { defaultFieldSet } from './order-extras.js';

/**
 * What one subscription URL gets of a shop item (which holds every field the shop knows): the
 * fields it selected (`webHookParameters[].fields`, contracts' `projectItem`), or the shop's
 * default set when it selected none (FACTS.md §3).
 */
export function deliveredItem(
  event: WebhookEvent,
  item: Record<string, unknown>,
  fields: readonly string[] | undefined,
): Record<string, unknown> {
  if (fields && fields.length > 0) return projectItem(event, item, fields);
  return isOrderEvent(event) ? defaultFieldSet(item) : item;
}
