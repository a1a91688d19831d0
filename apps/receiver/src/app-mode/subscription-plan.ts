/**
 * Which subscriptions the app asks of every installed shop (`app.events` / `app.webhooks`), told apart from
 * what the shop was registered with, so that a change of them reaches the shops installed before it (a new
 * version of the app wants another event, other fields): at start-up those shops are re-registered, as after
 * a secret rotation (start-up-resubscribe.ts).
 *
 * Recorded with each subscription a step registered (`AppShopSubscription.planFingerprint`): the first 16 hex
 * characters of SHA-256 over the app's subscriptions as planned for any shop — event, format, label, fields,
 * delay, enabled, and a URL of its own when `app.webhooks` gives one; the receiver's signed URLs left out
 * (the secret and `publicUrl` have their own fingerprints, secret-fingerprint.ts). A record written before
 * it was kept (or by an older receiver, which drops it) is compared by its events alone.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@srhooks/contracts';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';
import { deliversHere, desiredSubscriptions } from '../reconcile/reconcile-shops.js';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';

/** Any valid shop name: the plan is the same for every installed shop but for its URLs, left out. */
const ANY_SHOP = 'any-shop';

/** The app's subscriptions as planned for an installed shop, without this receiver's signed URLs. */
function plannedSpecs(config: ReceiverConfig): Array<Record<string, unknown>> {
  const app = config.app;
  if (!app) return [];
  const shop = { name: ANY_SHOP, events: [...app.events], webhooks: [...app.webhooks] } as ShopConfig;
  const here = deliversHere(config, shop);
  return desiredSubscriptions(config, shop).map(({ url, ...spec }) =>
    here?.(url) ? spec : { ...spec, url },
  );
}

/** The events the app subscribes every installed shop to, sorted (one entry per subscription). */
export function plannedEvents(config: ReceiverConfig): string[] {
  return plannedSpecs(config)
    .map((spec) => String(spec.event))
    .sort();
}

export function subscriptionPlanFingerprint(config: ReceiverConfig): string {
  const specs = plannedSpecs(config)
    .map((spec) => canonicalJson(spec))
    .sort();
  return createHash('sha256')
    .update(`srhooks app subscriptions\n${specs.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The installed shop's subscriptions were registered for other app subscriptions than the configured ones:
 * by the fingerprints recorded with them, or — none recorded — by their events. A shop with no subscription
 * recorded and none planned is not changed.
 */
export function registeredForOtherPlan(
  record: Pick<AppShopRecord, 'subscriptions'>,
  config: ReceiverConfig,
): boolean {
  const recorded = record.subscriptions
    .map((subscription) => subscription.planFingerprint)
    .filter((fingerprint): fingerprint is string => typeof fingerprint === 'string');
  if (recorded.length > 0) {
    const current = subscriptionPlanFingerprint(config);
    return recorded.some((fingerprint) => fingerprint !== current);
  }
  const events = record.subscriptions.map((subscription) => subscription.event).sort();
  return events.join(',') !== plannedEvents(config).join(',');
}
