import { z } from 'zod';
import { LinkSchema, LooseNumberSchema, LooseStringSchema } from './loose.js';
import { OrderSchema } from './order.js';

/**
 * Reading orders back (FACTS.md §6): the documented search parameters of `GET /orders`, one page
 * of orders, `GET /orderHistories?orderId=` (an order's status history) and `GET /orderProducts?orderId=`
 * (an order's products). Used by recovery.
 */

/** Shop-local time without a zone, as the order search takes it: `2013-01-01T10:30:00`. */
export const ShopDateTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, {
  message: 'expected shop-local time YYYY-MM-DDTHH:MM:SS, e.g. 2013-01-01T10:30:00',
});

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a day YYYY-MM-DD' });
const flag = z.union([z.literal(0), z.literal(1)]);

/** `GET /orders` query: paging plus the documented search parameters (all optional). */
export const OrderSearchParamsSchema = z.strictObject({
  page: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(200).optional(),
  full: flag.optional(),
  innerId: z.string().optional(),
  innerIdMin: z.string().optional(),
  orderStatusId: z.string().optional(),
  email: z.string().optional(),
  excludeAbandonedCart: flag.optional(),
  excludeStorno: flag.optional(),
  createdAtMin: ShopDateTimeSchema.optional(),
  createdAtMax: ShopDateTimeSchema.optional(),
  updatedAtMin: ShopDateTimeSchema.optional(),
  updatedAtMax: ShopDateTimeSchema.optional(),
  createdAt: day.optional(),
  updatedAt: day.optional(),
  shippingModeInnerId: z.string().optional(),
  externalInfo: z.string().optional(),
});

const pageLink = LinkSchema.nullable().optional();
const pageValue = LooseStringSchema.optional();

/** The paging frame every collection answer shares. */
function collection<T extends z.ZodType>(item: T) {
  return z.looseObject({
    href: z.string().optional(),
    page: pageValue,
    pageCount: pageValue,
    limit: pageValue,
    first: pageLink,
    previous: pageLink,
    next: pageLink,
    last: pageLink,
    items: z.array(z.union([item, LinkSchema])),
  });
}

/** One page of `GET /orders`: links, or whole orders with `full=1`. */
export const OrderCollectionSchema = collection(OrderSchema);

/** One entry of an order's status history (`GET /orderHistories`). */
export const OrderHistoryEntrySchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  innerId: z.union([z.string(), z.number()]).transform(String).optional(),
  comment: LooseStringSchema.optional(),
  dateAdded: LooseStringSchema.optional(),
  order: LinkSchema.nullable().optional(),
  orderStatus: LinkSchema.nullable().optional(),
});

export const OrderHistoryCollectionSchema = collection(OrderHistoryEntrySchema);

/**
 * One ordered product of `GET /orderProducts?orderId=` (the order's `orderProducts` link). Its fields
 * are not documented: assumed to be the delivery's `orderProduct` fields by the same names (FACTS.md
 * §4; contracts' README A52), beside the API's `href`, `id` and links. Loose: every field but `id` is
 * optional, numbers may be strings, unknown fields are kept as sent.
 */
export const OrderProductEntrySchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  innerId: z.union([z.string(), z.number()]).transform(String).optional(),
  name: LooseStringSchema.optional(),
  sku: LooseStringSchema.optional(),
  price: LooseNumberSchema.optional(),
  currency: LooseStringSchema.optional(),
  taxRate: LooseNumberSchema.optional(),
  quantity: LooseNumberSchema.optional(),
  order: LinkSchema.nullable().optional(),
});

export const OrderProductCollectionSchema = collection(OrderProductEntrySchema);

/**
 * A currency (`GET /currencies/{id}`, the order's `currency` link). The code a delivery carries as the
 * order's `currency` (`HUF`) is assumed to be the field `code` (contracts' README A53); loose, unknown
 * fields kept.
 */
export const CurrencySchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  code: LooseStringSchema.optional(),
});

export type OrderSearchParams = z.infer<typeof OrderSearchParamsSchema>;
export type OrderCollection = z.infer<typeof OrderCollectionSchema>;
export type OrderHistoryEntry = z.infer<typeof OrderHistoryEntrySchema>;
export type OrderHistoryCollection = z.infer<typeof OrderHistoryCollectionSchema>;
export type OrderProductEntry = z.infer<typeof OrderProductEntrySchema>;
export type OrderProductCollection = z.infer<typeof OrderProductCollectionSchema>;
export type Currency = z.infer<typeof CurrencySchema>;

/** Whether a collection item is a whole item (has an `id`) rather than a bare link. */
export function isFullItem<T extends { id: string }>(item: T | { href: string }): item is T {
  return typeof (item as { id?: unknown }).id === 'string';
}
