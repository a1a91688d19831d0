/**
 * Which shop a Payment API notification is filed under (FACTS.md §8). The body names no shop
 * (documented) and the `?shop=` the app put into its `notificationUrl` is not signed, so it is a claim:
 *
 * - the shop named must be one this receiver serves (a `shops` entry, or the app installed — pending or
 *   installed — on it, read from the store so an install another instance handled counts at once);
 *   otherwise the notification is quarantined `unknown_shop` under `payment-api`, never filed under that
 *   name. No `?shop=` at all: `payment-api`, as documented.
 * - every charge (`payment:{id}`) and card change (`card-change:{changeId}`) is bound app-wide to the
 *   shop it was first filed under (ASSUMED: the Payment API's ids are unique across the app's shops), in the
 *   transaction that stores that notification (store/payment-claim.ts): a notification whose write failed
 *   binds nothing. Retention prunes a binding once its last notification is older than the retention and no
 *   delivery left refers to it (store/payment-binding-prune.ts). The same
 *   notification under another shop is a duplicate (nothing recorded, no handler run); another status of
 *   it under another shop is quarantined `shop_mismatch`. A charge bound to a shop that has since
 *   uninstalled is still filed there (ShopRenter cancels a shop's recurring charges on uninstall).
 */
import {
  type DecodedPaymentNotification,
  isValidShopName,
  readPaymentNotificationBody,
} from '@srhooks/contracts';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import {
  type DecodeFailure,
  type PaymentBindingTouch,
  PaymentClaimConflictError,
  type PaymentClaimWrite,
} from '../store/store.js';

/** Where payment notifications are filed when their URL names no shop (they carry none themselves). */
export const PAYMENT_API_SHOP = 'payment-api';

/** Why an authentic payment notification was quarantined instead of filed. */
export type PaymentQuarantineCode = 'invalid_notification' | 'unknown_shop' | 'shop_mismatch';

/** A quarantine reason: stored with the delivery (`decodeError`), shown in the admin API and inspector. */
export interface PaymentQuarantine extends DecodeFailure {
  code: PaymentQuarantineCode;
  message: string;
}

export function paymentQuarantine(code: PaymentQuarantineCode, message: string): PaymentQuarantine {
  return { code, message };
}

/** What the URL's `shop` / `shopname` parameters say. */
export type PaymentShopParameter =
  | { kind: 'absent' }
  | { kind: 'named'; shop: string }
  | { kind: 'invalid'; reason: string };

type QueryValue = string | string[] | undefined;

export function paymentShopParameter(query: Record<string, QueryValue>): PaymentShopParameter {
  const values = [query.shop, query.shopname].flatMap((value) =>
    value === undefined ? [] : Array.isArray(value) ? value : [value],
  );
  if (values.length === 0) return { kind: 'absent' };
  const distinct = new Set(values);
  if (distinct.size > 1) return { kind: 'invalid', reason: 'the notification URL names more than one shop' };
  const [shop] = distinct as Set<string>;
  if (shop === undefined || !isValidShopName(shop)) {
    return { kind: 'invalid', reason: 'the shop the notification URL names is not a valid shop name' };
  }
  return { kind: 'named', shop };
}

/** Whether the receiver serves the shop: `served` is a config shop, or the app installed (or pending) on it. */
export type PaymentShopStanding = 'served' | 'never_installed' | 'uninstalled';

export function unknownShop(
  parameter: Exclude<PaymentShopParameter, { kind: 'absent' }>,
  standing: PaymentShopStanding,
  boundTo: string | null,
): PaymentQuarantine {
  const why =
    parameter.kind === 'invalid'
      ? parameter.reason
      : standing === 'uninstalled'
        ? `the app is uninstalled from ${parameter.shop}`
        : `the app is not installed on ${parameter.shop}`;
  const charge = boundTo ? ` (this charge was first seen under ${boundTo})` : '';
  return paymentQuarantine(
    'unknown_shop',
    `authentic payment notification not filed: ${why}${charge}. Kept in quarantine under ${PAYMENT_API_SHOP}; check the notificationUrl given to the Payment API.`,
  );
}

export function shopMismatch(shop: string, boundTo: string): PaymentQuarantine {
  return paymentQuarantine(
    'shop_mismatch',
    `authentic payment notification not filed: it came under ${shop}, but this charge was first seen under ${boundTo} (the shop in the URL is not signed: a notification sent again under another shop, or a wrong notificationUrl).`,
  );
}

// ---------------------------------------------------------------------------------------------
// The filing rules, shared by the payment route (on arrival) and the admin re-process (later)
// ---------------------------------------------------------------------------------------------

/**
 * The stored delivery header under which the payment route records the `shop` / `shopname` query values
 * of the notification URL as received (JSON `{"shop":[…],"shopname":[…]}`), so that a re-process re-runs
 * the filing rules on the same claim. A name with `:` is not an HTTP header name: no sender can set it.
 * The values are exactly as trustworthy as on arrival (the query is not signed either).
 */
export const NOTIFICATION_SHOP_HEADER = ':srhooks-notification-shop';

type ShopQuery = { shop?: QueryValue; shopname?: QueryValue };

/** The header value recording the URL's shop parameters (see NOTIFICATION_SHOP_HEADER). */
export function recordShopQuery(query: ShopQuery): string {
  const list = (value: QueryValue) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  return JSON.stringify({ shop: list(query.shop), shopname: list(query.shopname) });
}

/**
 * The URL's shop claim of a quarantined notification: from the recorded header; for one quarantined before
 * the header was recorded, from where it was stored (its shop, unless `payment-api`) and the reason's text
 * (`unknown_shop`: "…installed on {shop}" / "…uninstalled from {shop}"). null: not known.
 */
export function storedShopParameter(delivery: {
  shop: string;
  headers: Record<string, string>;
  decodeError: { code: string; message: string } | null;
}): PaymentShopParameter | null {
  const recorded = delivery.headers[NOTIFICATION_SHOP_HEADER];
  if (recorded !== undefined) {
    try {
      const query = JSON.parse(recorded) as { shop?: unknown; shopname?: unknown };
      const strings = (value: unknown) =>
        Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
      return paymentShopParameter({ shop: strings(query.shop), shopname: strings(query.shopname) });
    } catch {
      return null;
    }
  }
  if (delivery.shop !== PAYMENT_API_SHOP) return { kind: 'named', shop: delivery.shop };
  if (delivery.decodeError?.code !== 'unknown_shop') return null;
  const named = /(?:not installed on|uninstalled from) ([a-z0-9-]+)[ .]/.exec(delivery.decodeError.message);
  return named?.[1] && isValidShopName(named[1]) ? { kind: 'named', shop: named[1] } : null;
}

/** The notification body read as on arrival: the decoded notification, or why it cannot be read. */
export type PaymentBody = { ok: true; value: DecodedPaymentNotification } | { ok: false; message: string };

/**
 * Reads a stored body (sent with `contentEncoding`, its request's Content-Encoding) with today's decoder;
 * the message as the payment route's `invalid_notification`.
 */
export function readPaymentBody(raw: Uint8Array, contentEncoding: string | undefined): PaymentBody {
  // The client's verification reads it the same way (contracts' reader: a key given twice is refused).
  const decoded = readPaymentNotificationBody(raw, contentEncoding);
  return decoded.ok
    ? { ok: true, value: decoded.value }
    : { ok: false, message: `authentic notification that cannot be read: ${decoded.reason}` };
}

export interface PaymentFilingContext {
  /** The `shops` entries of the configuration (always served). */
  configShops: ReadonlySet<string>;
  appShops: AppShopStore;
  storeTimeoutMs: number;
  timestampToleranceSeconds: number;
}

/** What to do with an authentic notification. */
export type PaymentFiling =
  /** File it under `shop`, writing `claim` in the same transaction (`Store.ingest` / `reprocessQuarantined`). */
  | {
      kind: 'file';
      shop: string;
      decoded: DecodedPaymentNotification;
      subjectId: string;
      claim: PaymentClaimWrite;
    }
  /**
   * The same notification is filed under `filedUnder` already (and still remembered there). `claim` is
   * for a re-process, which files it there as the duplicate it is; on arrival nothing is written.
   */
  | {
      kind: 'duplicate';
      shop: string;
      filedUnder: string;
      decoded: DecodedPaymentNotification;
      subjectId: string;
      claim: PaymentClaimWrite;
    }
  | {
      kind: 'quarantine';
      shop: string;
      failure: PaymentQuarantine;
      claimed: string | null;
      /**
       * The charge's binding the quarantine relies on (`shop_mismatch`, `unknown_shop` of a bound charge: a
       * re-process files it under that shop), touched in the transaction that quarantines it so retention
       * cannot prune it meanwhile (payment-claim.ts `touchPaymentBinding`).
       */
      binding?: PaymentBindingTouch;
    };

/** From the store, not the directory's cache: an install another instance just handled counts. */
async function shopStanding(ctx: PaymentFilingContext, shop: string): Promise<PaymentShopStanding> {
  if (ctx.configShops.has(shop)) return 'served';
  const record = await withStoreTimeout('read app shop', ctx.appShops.get(shop), ctx.storeTimeoutMs);
  if (!record) return 'never_installed';
  return record.status === 'uninstalled' ? 'uninstalled' : 'served';
}

/**
 * The filing rules (see the file's comment): where an authentic notification goes, given its body and the
 * URL's shop claim. Reads the charge's binding without writing it: a `file` decision carries the claim to
 * write with the notification (binding the charge to a served shop on first sight), in one transaction, so
 * a binding never exists without its notification stored. Store its decision with `fileAndStore`, which
 * runs the rules again when the binding changed before that transaction. `acceptShopMismatch` (an
 * operator's explicit override on re-process): a notification that would be quarantined `shop_mismatch` is
 * filed under the shop its charge is bound to instead — never under the URL's shop, so a charge stays under
 * one shop and that shop's dedupe applies.
 */
export async function filePaymentNotification(
  ctx: PaymentFilingContext,
  body: PaymentBody,
  parameter: PaymentShopParameter,
  options: { acceptShopMismatch?: boolean } = {},
): Promise<PaymentFiling> {
  const claimed = parameter.kind === 'named' ? parameter.shop : null;
  const standing: PaymentShopStanding =
    parameter.kind === 'named' ? await shopStanding(ctx, parameter.shop) : 'served';
  const served = parameter.kind !== 'invalid' && standing === 'served';
  const shop = parameter.kind === 'named' ? parameter.shop : PAYMENT_API_SHOP;
  const quarantine = (
    where: string,
    failure: PaymentQuarantine,
    binding?: PaymentBindingTouch,
  ): PaymentFiling => ({
    kind: 'quarantine',
    shop: where,
    failure,
    claimed,
    ...(binding ? { binding } : {}),
  });

  if (!body.ok) {
    return quarantine(
      served ? shop : PAYMENT_API_SHOP,
      paymentQuarantine('invalid_notification', body.message),
    );
  }
  if (parameter.kind === 'invalid')
    return quarantine(PAYMENT_API_SHOP, unknownShop(parameter, standing, null));
  const decoded = body.value;
  const { notification } = decoded;
  const subjectId = String('changeId' in notification ? notification.changeId : notification.id);
  const subject = `${decoded.event === 'payment_card_change' ? 'card-change' : 'payment'}:${subjectId}`;
  const now = new Date();
  const state = await withStoreTimeout(
    'read payment claim',
    ctx.appShops.paymentClaimState({ subject, dedupeKey: decoded.dedupeKey, now }),
    ctx.storeTimeoutMs,
  );
  const claimFor = (where: string, bind: boolean): PaymentClaimWrite => ({
    subject,
    shop: where,
    bind,
    dedupeKey: decoded.dedupeKey,
    // A copy is refused as stale once its time is out of tolerance; a minute of slack.
    expiresAt: new Date((notification.time + ctx.timestampToleranceSeconds + 60) * 1000),
    now,
  });
  // Only a shop the receiver serves gets new charges bound to it (and, should its binding have been pruned
  // meanwhile, bound again); a charge of a shop that has since uninstalled must still be bound to it.
  const boundTo = state.subjectShop ?? (served ? shop : null);
  if (boundTo === shop) return { kind: 'file', shop, decoded, subjectId, claim: claimFor(shop, served) };
  if (state.seen && state.subjectShop !== null) {
    // The same notification was filed under the charge's shop: a copy sent again under another shop.
    return {
      kind: 'duplicate',
      shop,
      filedUnder: state.subjectShop,
      decoded,
      subjectId,
      claim: claimFor(state.subjectShop, false),
    };
  }
  if (!served && parameter.kind === 'named') {
    return quarantine(
      PAYMENT_API_SHOP,
      unknownShop(parameter, standing, state.subjectShop),
      state.subjectShop === null ? undefined : { subject, shop: state.subjectShop, now },
    );
  }
  const charge = state.subjectShop as string;
  if (options.acceptShopMismatch) {
    return { kind: 'file', shop: charge, decoded, subjectId, claim: claimFor(charge, false) };
  }
  return quarantine(shop, shopMismatch(shop, charge), { subject, shop: charge, now });
}

/** How often the filing rules run again when the charge's binding changed under them (see fileAndStore). */
const FILING_ATTEMPTS = 3;

/**
 * Runs the filing rules (`decide`) and stores their decision (`store`, writing the decision's claim in the
 * same transaction as the notification). When that transaction finds the charge bound otherwise than the
 * rules read it — another notification of it was filed under another shop meanwhile, or its binding was
 * pruned — nothing was stored (PaymentClaimConflictError) and the rules run again on what is stored now.
 */
export async function fileAndStore<T>(
  decide: () => Promise<PaymentFiling>,
  store: (filing: PaymentFiling) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const filing = await decide();
    try {
      return await store(filing);
    } catch (error) {
      if (!(error instanceof PaymentClaimConflictError) || attempt >= FILING_ATTEMPTS) throw error;
    }
  }
}
