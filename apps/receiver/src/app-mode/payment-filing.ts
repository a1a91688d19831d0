/**
 * Which shop a Payment API notification is filed under (FACTS.md §8). The body names no shop
 * (documented) and the `?shop=` the app put into its `notificationUrl` is not signed, so it is a claim:
 *
 * - the shop named must be one this receiver serves (a `shops` entry, or the app installed — pending or
 *   installed — on it, read from the store so an install another instance handled counts at once);
 *   otherwise the notification is quarantined `unknown_shop` under `payment-api`, never filed under that
 *   name. No `?shop=` at all: `payment-api`, as documented.
 * - every charge (`payment:{id}`) and card change (`card-change:{changeId}`) is bound app-wide to the
 *   shop it first came under (ASSUMED: the Payment API's ids are unique across the app's shops). The same
 *   notification under another shop is a duplicate (nothing recorded, no handler run); another status of
 *   it under another shop is quarantined `shop_mismatch`. A charge bound to a shop that has since
 *   uninstalled is still filed there (ShopRenter cancels a shop's recurring charges on uninstall).
 */
import { isValidShopName } from '@srhooks/contracts';
import type { DecodeFailure } from '../store/store.js';

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
