/**
 * Start-up reconcile (what Shopify apps do at install): for each shop with `reconcile: true`,
 * make the shop's `webHooks` match the configured events, each pointing at this receiver's
 * signed URL (`publicUrl` + `signDeliveryPath` with the newest secret).
 *
 * Only this receiver's own subscriptions are touched: a subscription whose URL is under
 * `{publicUrl}/hooks/{shop}/` but is not desired (an event removed from the config, a URL
 * signed with a rotated-out secret) is deleted; a configured webhook with its own `url` is matched
 * (and its duplicates deleted) like those; subscriptions of other apps are left alone.
 * A failure is reported per shop and never stops the receiver. Receivers sharing a PostgreSQL store
 * reconcile a shop one at a time (the store's reconcile lock): the first creates what is missing, the
 * others then find it. A configured webhook whose `fields`
 * leave out what the dedupe key reads gets one warning line first (the CLI's `webhooks sync` warns the
 * same, from contracts' dedupeFieldsWarning).
 */
import {
  AuthError,
  applySync,
  createShopRenterClient,
  type Fetch,
  NetworkError,
  planSync,
  RateLimitError,
  ServerError,
  type SyncReport,
  specFromEntry,
  syncKey,
  TokenError,
  type WebhookSpec,
  webhookKey,
} from '@srhooks/client';
import {
  dedupeFieldsMissing,
  dedupeFieldsWarning,
  shopDeliveryUrlPrefix,
  signDeliveryUrl,
  type Webhook,
} from '@srhooks/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';
import { configCredentialsAdvice } from '../config/credentials-advice.js';
import { shopApiAuth } from '../config/shop-api-auth.js';
import type { Store } from '../store/store.js';
import type { ReconcileStatus } from './reconcile-status.js';

export interface ReconcileOptions {
  readonly logger: FastifyBaseLogger;
  /**
   * The receiver's store: each shop is reconciled under its reconcile lock (`Store.withReconcileLock`), so
   * receivers sharing a PostgreSQL store and started together subscribe each event once, and delete
   * extra copies once. Without it (tools, tests of one receiver) nothing is locked.
   */
  readonly store?: Pick<Store, 'withReconcileLock'>;
  /** Fetch used by the ShopRenter client (tests). */
  readonly fetch?: Fetch;
  /** Where each try's outcome is kept for the shops list (the receiver's `app.reconcileStatus`). */
  readonly status?: ReconcileStatus;
}

export interface ShopReconcileResult {
  readonly shop: string;
  readonly ok: boolean;
  readonly summary?: SyncReport['summary'];
  /** Why the shop could not be reconciled (the client's error message). */
  readonly error?: string;
  /** A failure that may pass by itself (no answer, a 5xx, a 429): tried again (reconcile-retries.ts). */
  readonly retryable?: boolean;
}

/** The subscriptions this receiver wants on a shop: one per configured event, JSON, enabled. */
export function desiredSubscriptions(config: ReceiverConfig, shop: ShopConfig): WebhookSpec[] {
  const publicUrl = config.publicUrl;
  const secret = config.secrets[0];
  if (!publicUrl || !secret) return [];
  const signedUrl = (event: WebhookSpec['event']) =>
    signDeliveryUrl(publicUrl, { shop: shop.name, event }, secret);
  const withSettings = shop.webhooks.map((entry) => {
    const spec = specFromEntry(entry, entry.url ?? signedUrl(entry.event));
    return { type: 'json' as const, label: `srhooks ${entry.event}`, enabled: true, ...spec };
  });
  const plain = shop.events.map((event) => ({
    event,
    url: signedUrl(event),
    type: 'json' as const,
    label: `srhooks ${event}`,
    enabled: true,
  }));
  return [...withSettings, ...plain];
}

/**
 * Does a delivery URL point at this receiver's hooks for this shop: under `{publicUrl}/hooks/{shop}/`.
 * The one definition of "this receiver's own subscription": reconcile and the install step compare and
 * prune by it (`ownedBy`), recovery counts only the events such a subscription delivers. Null without
 * `publicUrl`: the receiver then does not know the address the shop reaches it at.
 */
export function deliversHere(config: ReceiverConfig, shop: ShopConfig): ((url: string) => boolean) | null {
  if (!config.publicUrl) return null;
  const prefix = shopDeliveryUrlPrefix(config.publicUrl, shop.name);
  return (url) => url.startsWith(prefix);
}

/**
 * Is this subscription one of ours: pointing at this receiver's hooks for this shop (`deliversHere`),
 * or (with `desired`) one of the configured webhooks with a url of their own (another service) — left
 * out, those were created again at every start.
 */
export function ownedBy(
  config: ReceiverConfig,
  shop: ShopConfig,
  desired: readonly WebhookSpec[] = [],
): (webhook: Webhook) => boolean {
  const here = deliversHere(config, shop);
  const configured = new Set(desired.map((spec) => syncKey(spec.event, spec.url)));
  return (webhook) =>
    configured.has(webhookKey(webhook)) ||
    (here !== null && webhook.webHookParameters.some((parameter) => here(parameter.url)));
}

async function syncShop(
  config: ReceiverConfig,
  shop: ShopConfig,
  options: ReconcileOptions,
): Promise<ShopReconcileResult> {
  const auth = shopApiAuth(shop);
  if (!auth) {
    return {
      shop: shop.name,
      ok: false,
      error:
        'clientId and clientSecret (or a legacy API user’s username and password) are required to reconcile',
    };
  }
  const client = createShopRenterClient({
    shop: shop.name,
    auth,
    ...(shop.apiUrl ? { apiUrl: shop.apiUrl } : {}),
    ...(shop.tokenUrl ? { tokenUrl: shop.tokenUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const current = await client.webhooks.all();
  const desired = desiredSubscriptions(config, shop);
  const plan = planSync(desired, current.filter(ownedBy(config, shop, desired)));
  const report = await applySync(plan, { client, prune: true, refresh: false });
  return { shop: shop.name, ok: report.ok, summary: report.summary };
}

/**
 * One warning line per configured webhook whose `fields` leave out what the dedupe key reads (genuine
 * events would be recorded as duplicates, their handlers never run), from contracts'
 * dedupeFieldsWarning. Names the config entry (`shops[0].webhooks[1]`, `app.webhooks[0]`), the event
 * and the fields, and the shop for a config shop: no URL (a signed one carries its signature), no data.
 * Used for `reconcile: true` shops before their reconcile and, in app mode, once at start-up for the
 * app's webhooks (what every installed shop is subscribed to).
 */
export function warnDedupeFields(
  entries: readonly { event: Webhook['event']; fields?: readonly string[] | undefined }[],
  at: { path: string; shop?: string; owner: string },
  logger: Pick<FastifyBaseLogger, 'warn'>,
): number {
  let warned = 0;
  entries.forEach((entry, index) => {
    const webhook = `${at.path}[${index}]`;
    const warning = dedupeFieldsWarning(`${webhook} (${entry.event})`, entry.event, entry.fields);
    if (warning === null) return;
    warned += 1;
    logger.warn(
      {
        ...(at.shop === undefined ? {} : { shop: at.shop }),
        webhook,
        event: entry.event,
        missingFields: dedupeFieldsMissing(entry.event, entry.fields),
        code: 'dedupe_fields_missing',
      },
      `${at.owner} ${warning}`,
    );
  });
  return warned;
}

/** Reconciles every shop with `reconcile: true`, one after another; logs and returns each result. */
export async function reconcileShops(
  config: ReceiverConfig,
  options: ReconcileOptions,
): Promise<ShopReconcileResult[]> {
  const results: ShopReconcileResult[] = [];
  for (const shop of config.shops.filter((candidate) => candidate.reconcile)) {
    warnDedupeFields(
      shop.webhooks,
      {
        path: `shops[${config.shops.indexOf(shop)}].webhooks`,
        shop: shop.name,
        owner: `shop "${shop.name}"`,
      },
      options.logger,
    );
    results.push(await reconcileShop(config, shop, options));
  }
  return results;
}

/** Whether a failed reconcile may succeed later by itself: ShopRenter or the network did not answer. */
export function retryableReconcileError(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof ServerError || error instanceof RateLimitError)
    return true;
  return error instanceof TokenError && error.code === 'token_endpoint_unavailable';
}

/**
 * The client's message for a failure that will not pass by itself, with where this receiver takes the
 * credentials from and what then: the client's own advice ("check the client id and secret in Settings >
 * API Settings") is the shop admin's side; the receiver reads them from its config, and a refused reconcile
 * is not tried again until a restart.
 */
function withReceiverAdvice(config: ReceiverConfig, shop: ShopConfig, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const advice = configCredentialsAdvice(config, shop.name, error);
  if (advice) return `${message}; ${advice} (a refused reconcile is not tried again)`;
  if (error instanceof AuthError)
    return `${message}; then restart the receiver (a refused reconcile is not tried again)`;
  return message;
}

/**
 * Reconciles one shop (under the store's reconcile lock when given), logs the result and returns it; a
 * failure is returned, never thrown, saying whether it may pass by itself (`retryable`).
 */
export async function reconcileShop(
  config: ReceiverConfig,
  shop: ShopConfig,
  options: ReconcileOptions,
): Promise<ShopReconcileResult> {
  let result: ShopReconcileResult;
  try {
    const store = options.store;
    result = store
      ? await store.withReconcileLock(shop.name, () => syncShop(config, shop, options))
      : await syncShop(config, shop, options);
  } catch (error) {
    result = {
      shop: shop.name,
      ok: false,
      error: withReceiverAdvice(config, shop, error),
      retryable: retryableReconcileError(error),
    };
  }
  options.status?.record(result);
  if (result.ok) {
    options.logger.info({ shop: result.shop, summary: result.summary }, 'subscriptions reconciled');
  } else {
    options.logger.error(
      { shop: result.shop, summary: result.summary, error: result.error },
      'subscriptions not reconciled; deliveries for missing subscriptions will not arrive',
    );
  }
  return result;
}
