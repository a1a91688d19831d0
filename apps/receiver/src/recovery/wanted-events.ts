/**
 * Which events recovery looks for in a shop: those the shop delivers to THIS receiver, each with its
 * subscription's delay. A subscription counts only when this receiver would accept its deliveries
 * (`acceptedHere`): anything else brings it nothing it could have missed.
 */
import type { ShopRenterClient } from '@srhooks/client';
import {
  delayHours,
  parseDeliveryPath,
  shopDeliveryUrlPrefix,
  verifyDeliveryPath,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';

const HOUR_MS = 3_600_000;

/**
 * Would this receiver accept deliveries of `event` to `url` for this shop? Its own path
 * `…/hooks/{shop}/{event}/{token}` for this shop and this event, with a token valid under one of its
 * current `secrets` (one signed with a secret since removed is answered 404, as forged), and — when
 * `publicUrl` is known — under that base (`{publicUrl}/hooks/{shop}/`). Without `publicUrl` the receiver
 * does not know the address the shop reaches it at: it judges by path and token only, so the same
 * path and token under another host (another receiver sharing its secrets) counts too.
 */
export function acceptedHere(
  config: ReceiverConfig,
  shop: ShopConfig,
): (url: string, event: WebhookEvent) => boolean {
  const prefix = config.publicUrl ? shopDeliveryUrlPrefix(config.publicUrl, shop.name) : null;
  return (url, event) => {
    if (prefix !== null && !url.startsWith(prefix)) return false;
    if (!URL.canParse(url)) return false;
    const path = parseDeliveryPath(new URL(url).pathname);
    if (path === null || path.shop !== shop.name || path.event !== event) return false;
    return verifyDeliveryPath(path, config.secrets).ok;
  };
}

/**
 * The events the shop delivers to this receiver, each with its subscription's delay in ms
 * (`webHookDelay`; 0 = sent at once). Only a subscription this receiver would accept counts
 * (`acceptedHere`): a disabled one, one at another system's URL or one signed with a removed secret
 * brings this receiver nothing to miss.
 *
 * - From the config when the shop lists `events` or `webhooks` there: each `events` entry (no delay, as
 *   `webhooks sync` creates them at this receiver's signed URL) and each `webhooks` entry that is not
 *   `enabled: false` and has no `url` of its own (this receiver's signed URL) or one this receiver
 *   accepts (its `delay`).
 * - Otherwise the shop's enabled subscriptions as the API lists them (their `webHookDelay`) whose URL
 *   this receiver accepts.
 *
 * An event with several subscriptions gets the shortest delay: the first delivery of it is the one the
 * receiver keeps.
 */
export async function wantedEvents(
  config: ReceiverConfig,
  shop: ShopConfig,
  client: ShopRenterClient,
  signal?: AbortSignal,
): Promise<Map<WebhookEvent, number>> {
  const wanted = new Map<WebhookEvent, number>();
  const add = (event: WebhookEvent, delays: Parameters<typeof delayHours>[0]) => {
    const delayMs = delayHours(delays) * HOUR_MS;
    wanted.set(event, Math.min(wanted.get(event) ?? delayMs, delayMs));
  };
  const accepted = acceptedHere(config, shop);
  if (shop.events.length > 0 || shop.webhooks.length > 0) {
    for (const event of shop.events) add(event, []);
    for (const entry of shop.webhooks) {
      if (entry.enabled === false) continue;
      if (entry.url !== undefined && !accepted(entry.url, entry.event)) continue;
      add(entry.event, entry.delay ? [{ delay: entry.delay.value, delayUnit: entry.delay.unit }] : []);
    }
    return wanted;
  }
  const subscriptions = await client.webhooks.all(signal ? { signal } : {});
  for (const subscription of subscriptions) {
    if (!subscription.enabled) continue;
    if (!subscription.webHookParameters.some((parameter) => accepted(parameter.url, subscription.event)))
      continue;
    add(subscription.event, subscription.webHookDelay);
  }
  return wanted;
}
