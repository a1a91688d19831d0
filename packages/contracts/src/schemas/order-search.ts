import { z } from 'zod';
import { LinkSchema, LooseStringSchema } from './loose.js';
import { OrderSchema } from './order.js';

/**
 * Reading orders back (FACTS.md §6): the documented search parameters of `GET /orders`, one page
 * of orders, and `GET /orderHistories?orderId=` (an order's status history). Used by recovery.
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

export type OrderSearchParams = z.infer<typeof OrderSearchParamsSchema>;
export type OrderCollection = z.infer<typeof OrderCollectionSchema>;
export type OrderHistoryEntry = z.infer<typeof OrderHistoryEntrySchema>;
export type OrderHistoryCollection = z.infer<typeof OrderHistoryCollectionSchema>;

/** Whether a collection item is a whole item (has an `id`) rather than a bare link. */
export function isFullItem<T extends { id: string }>(item: T | { href: string }): item is T {
  return typeof (item as { id?: unknown }).id === 'string';
}
