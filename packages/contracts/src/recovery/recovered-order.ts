/**
 * An order read back from the API (`GET /orders?full=1`, FACTS.md §6) in the shape of a delivery's
 * order item (FACTS.md §4), field by field. The API's names differ from the delivery's; what the
 * order item of the API cannot fill (net totals, shipping and payment prices, status text, …) is left
 * out, never invented. Table of the mapping: {@link ORDER_FIELD_MAP}. The products
 * come from the order's `orderProducts` link (`GET /orderProducts?orderId=`), whose items are assumed
 * to carry the delivery's `orderProduct` fields by the same names (README A52):
 * {@link orderProductsFromApi}. The order's `currency` (the code, `HUF`) comes from its `currency` link
 * (`GET /currencies/{id}`, the code assumed to be the field `code`, A53): {@link currencyIdOfOrder}.
 */
import { type OrderItem, OrderItemSchema } from '../schemas/delivery.js';
import type { Order } from '../schemas/order.js';
import type { OrderProductEntry } from '../schemas/order-search.js';
import { ID_PREFIX, innerIdOfLink } from './linked-id.js';

/** One status the order went into, as the delivery's `orderHistory` block carries it. */
export interface RecoveredStatus {
  /** The status id (`orderHistory.status`), e.g. "1". */
  status: string;
  /** Shop-local `YYYY-MM-DD HH:MM:SS` (`orderHistory.dateAdded`); absent when the history was not read. */
  dateAdded?: string;
  comment?: string;
}

/** API field → delivery field, for the fields copied as they are (both sides strings). */
export const ORDER_FIELD_MAP: Readonly<Record<string, string>> = {
  innerId: 'innerId',
  firstname: 'firstname',
  lastname: 'lastname',
  phone: 'phone',
  fax: 'fax',
  email: 'email',
  shippingFirstname: 'shippingFirstname',
  shippingLastname: 'shippingLastname',
  shippingCompany: 'shippingCompany',
  shippingAddress1: 'shippingAddress1',
  shippingAddress2: 'shippingAddress2',
  shippingCity: 'shippingCity',
  shippingPostcode: 'shippingPostcode',
  shippingZoneName: 'shippingZoneName',
  shippingCountryName: 'shippingCountryName',
  shippingMethodName: 'shippingMethodName',
  paymentFirstname: 'paymentFirstname',
  paymentLastname: 'paymentLastname',
  paymentCompany: 'paymentCompany',
  paymentAddress1: 'paymentAddress1',
  paymentAddress2: 'paymentAddress2',
  paymentCity: 'paymentCity',
  paymentPostcode: 'paymentPostcode',
  paymentZoneName: 'paymentZoneName',
  paymentCountryName: 'paymentCountryName',
  paymentMethodName: 'paymentMethodName',
  paymentMethodCode: 'paymentMethodCode',
  taxNumber: 'paymentTaxnumber',
  comment: 'comment',
  /** FACTS.md §6: the API's `total` is the gross total, the delivery's `totalGross`. */
  total: 'totalGross',
};

/**
 * An order's products (`GET /orderProducts?orderId=`) as the delivery's `orderProducts.orderProduct[]`
 * carries them: every field as the API item has it (assumed the delivery's names, A52), but the API's
 * own `href`, `id` and links (`{href}` objects such as `order`), which a delivery does not carry; the
 * delivery's `innerResourceId` (`orderProducts/<id>`) from the item's `id` when the item has none.
 */
export function orderProductsFromApi(entries: readonly OrderProductEntry[]): Record<string, unknown>[] {
  return entries.map((entry) => {
    const product: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'href' || key === 'id' || value === undefined || value === null || isLink(value)) continue;
      product[key] = value;
    }
    if (product.innerResourceId === undefined) product.innerResourceId = `orderProducts/${entry.id}`;
    return product;
  });
}

function isLink(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'href' && typeof (value as { href: unknown }).href === 'string';
}

/** What recovery read from the resources an order links to; each absent when not read. */
export interface OrderLinked {
  /** `GET /orderProducts?orderId=` (the `orderProducts` link). */
  products?: readonly OrderProductEntry[];
  /** The `code` of `GET /currencies/{id}` (the `currency` link), e.g. `HUF`. */
  currencyCode?: string;
}

/** [A53] The field of `GET /currencies/{id}` assumed to hold the code a delivery writes as the order's `currency`. */
export const CURRENCY_CODE_FIELD = 'code';

/** A currency's code (`HUF`), from the field assumed to carry it (A53); undefined when it has none. */
export function currencyCodeOf(currency: Readonly<Record<string, unknown>>): string | undefined {
  const code = currency[CURRENCY_CODE_FIELD];
  return typeof code === 'string' && code.trim() !== '' ? code.trim() : undefined;
}

/** The id of the currency an order links to (the `currency` link's last segment), if it has one. */
export function currencyIdOfOrder(order: Order): string | undefined {
  const href = order.currency?.href;
  if (typeof href !== 'string') return undefined;
  const segment = href
    .split(/[?#]/)[0]
    ?.split('/')
    .filter((part) => part !== '')
    .at(-1);
  return segment === undefined || segment === 'currencies' ? undefined : segment;
}

/**
 * Derived fields: `innerResourceId` (`orders/<id>`), `customerId` (from the `customer` link),
 * `languageId` (from the `language` link), `storeName` (the shop's name, which recovery knows),
 * `orderHistory` (from the status history entry the event is about), `orderProducts` (from the
 * order's products when they were read: {@link orderProductsFromApi}), `currency` (the code of the
 * order's currency when it was read); absent when not read.
 */
export function orderItemFromApi(
  shop: string,
  order: Order,
  status: RecoveredStatus,
  linked: OrderLinked = {},
): OrderItem {
  const source = order as Record<string, unknown>;
  const item: Record<string, unknown> = { storeName: shop };
  for (const [from, to] of Object.entries(ORDER_FIELD_MAP)) {
    const value = source[from];
    if (value === undefined || value === null) continue;
    item[to] = typeof value === 'number' ? String(value) : value;
  }
  item.innerResourceId = `orders/${order.id}`;
  const customerId = innerIdOfLink(order.customer as { href: string } | null | undefined, ID_PREFIX.customer);
  if (customerId !== undefined) item.customerId = customerId;
  const languageId = innerIdOfLink(order.language as { href: string } | null | undefined, ID_PREFIX.language);
  if (languageId !== undefined) item.languageId = languageId;
  item.orderHistory = {
    status: status.status,
    ...(status.comment === undefined ? {} : { comment: status.comment }),
    ...(status.dateAdded === undefined ? {} : { dateAdded: status.dateAdded }),
  };
  if (linked.products !== undefined)
    item.orderProducts = { orderProduct: orderProductsFromApi(linked.products) };
  if (linked.currencyCode !== undefined && linked.currencyCode !== '') item.currency = linked.currencyCode;
  return OrderItemSchema.parse(item);
}

/** The order's current status id, from its `orderStatus` link. */
export function currentOrderStatus(order: Order): string | undefined {
  return innerIdOfLink(order.orderStatus ?? null, ID_PREFIX.orderStatus);
}
