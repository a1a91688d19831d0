import { isWebhookEvent, type WebhookEvent } from '@srhooks/contracts/events';

/**
 * The event a signed receiver URL (`…/hooks/{shop}/{event}/{token}`) is for, or undefined when the
 * URL is not one (any other target of `trigger`).
 */
export function eventOfDeliveryUrl(url: string): WebhookEvent | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const segment = /\/hooks\/[^/]+\/([^/]+)\/[^/]+\/?$/.exec(path)?.[1];
  return segment !== undefined && isWebhookEvent(segment) ? segment : undefined;
}
