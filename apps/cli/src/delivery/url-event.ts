import { isWebhookEvent, type WebhookEvent } from '@srhooks/contracts/events';
import { parseDeliveryPath } from '@srhooks/contracts/receiver-path';
import { usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { maskDeliveryUrl } from './mask-delivery-url.js';

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

/**
 * Whether `url` is a signed receiver URL (`…/hooks/{shop}/{event}/{token}`) with a `/` after its
 * token, which the receiver answers 404 (it routes only `…/{token}`).
 */
export function slashAfterToken(url: string): boolean {
  if (eventOfDeliveryUrl(url) === undefined) return false;
  return new URL(url).pathname.endsWith('/');
}

/**
 * Refuses a signed receiver URL (`…/hooks/{shop}/{event}/{token}`) with a `/` after its token: the
 * receiver routes only `…/{token}` and answers 404 to `…/{token}/`, so every delivery to it would be
 * lost (ShopRenter does not resend). Also refuses one made for another shop or event
 * than the subscription's: the token is valid for the shop and event in the URL, so the receiver
 * takes each delivery to it as that shop's that event (an order_confirm on the abandoned_cart URL
 * runs the abandoned_cart handlers), or quarantines it when it does not decode as one. `subject`
 * names where the URL came from (`--url`, or the subscription's own URL on an update).
 */
export function checkSignedUrlTarget(
  url: string,
  shop: string,
  event: WebhookEvent,
  subject: string,
  hint = `use the ${event} URL (srhooks url --shop ${shop} --event ${event} --base …, or the one ${productName('listen')} printed)`,
): void {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return;
  }
  const signed = parseDeliveryPath(path);
  if (!signed || !isWebhookEvent(signed.event)) return;
  if (path.endsWith('/')) {
    const parsed = new URL(url);
    parsed.pathname = path.replace(/\/+$/, '');
    throw usageError(
      `${subject} ends in "/" after its signed token: the receiver answers 404 to …/hooks/${signed.shop}/${signed.event}/{token}/ (it takes the URL without the trailing slash), so every delivery to it would be lost`,
      `remove the trailing slash: ${maskDeliveryUrl(parsed.toString())}`,
      'url_trailing_slash',
    );
  }
  if (signed.shop === shop && signed.event === event) return;
  throw usageError(
    `${subject} is the signed receiver URL for ${signed.shop} ${signed.event}, not for ${shop} ${event}: the receiver would take each ${event} delivery to it as ${signed.shop} ${signed.event} (the token signs the shop and event in the URL) and handle it, or quarantine it, as one`,
    hint,
    'url_for_other_target',
  );
}
