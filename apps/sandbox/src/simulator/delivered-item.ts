import { projectItem, type WebhookEvent } from '@srhooks/contracts';

/**
 * What one subscription URL gets of a shop item: the fields it selected (`webHookParameters[].fields`,
 * contracts' `projectItem`), or the shop's default set when it selected none.
 */
export function deliveredItem(
  event: WebhookEvent,
  item: Record<string, unknown>,
  fields: readonly string[] | undefined,
): Record<string, unknown> {
  return projectItem(event, item, fields);
}
