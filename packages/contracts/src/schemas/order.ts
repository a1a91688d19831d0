import { z } from 'zod';
import { LinkSchema, LooseNumberSchema, LooseStringSchema } from './loose.js';

/**
 * `GET /orders/{id}` (contracts fixtures/shoprenter/api/order/response_json_get_id.json): enough of the order to check a
 * delivery against the shop. Lenient and passthrough: every other field is kept as sent.
 */
const text = LooseStringSchema.optional();

export const OrderSchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  innerId: z.union([z.string(), z.number()]).transform(String),
  firstname: text,
  lastname: text,
  email: text,
  phone: text,
  /** The gross total ("Order gross price"; a delivery's `total` is the net one). */
  total: LooseNumberSchema.optional(),
  dateCreated: text,
  dateUpdated: text,
  orderStatus: LinkSchema.nullable().optional(),
  currency: LinkSchema.nullable().optional(),
  orderProducts: LinkSchema.nullable().optional(),
});

export type Order = z.infer<typeof OrderSchema>;

/** `orders/b3JkZXI…` (a delivery's `innerResourceId`) or a bare id → the id. */
export function orderIdFromResourcePath(idOrPath: string): string {
  const trimmed = idOrPath.trim().replace(/^\/+/, '');
  const match = /(?:^|\/)orders\/([^/?#]+)$/.exec(trimmed);
  return match ? (match[1] as string) : trimmed;
}

/** Order id as ShopRenter builds it: base64 of `order-order_id=<innerId>`. */
export function orderIdFor(innerId: string | number): string {
  return Buffer.from(`order-order_id=${innerId}`).toString('base64');
}
