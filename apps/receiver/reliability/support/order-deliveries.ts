/**
 * Real-format `order_confirm` deliveries for load: what ShopRenter sends (multipart/form-data, one
 * `data` field with PHP-style JSON, from the contracts encoder), one order each, every order with its
 * own `innerId`, posted to the signed URL of the shop.
 */
import { encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';

export interface LoadDelivery {
  /** The order's innerId: the identity every check compares on. */
  readonly innerId: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface OrderDeliveriesOptions {
  shop: string;
  secret: string;
  count: number;
  /** innerIds are `firstInnerId`, `firstInnerId + 1`, … */
  firstInnerId: number;
  /** Seed of the sample orders' contents (names, products, prices). */
  seed: number;
}

export function orderDeliveries(options: OrderDeliveriesOptions): LoadDelivery[] {
  const path = signDeliveryPath({ shop: options.shop, event: 'order_confirm' }, options.secret);
  const deliveries: LoadDelivery[] = [];
  for (let i = 0; i < options.count; i++) {
    const innerId = String(options.firstInnerId + i);
    const order = {
      ...sampleOrder(options.seed + i),
      storeName: options.shop,
      innerId,
      // the resource path ShopRenter derives from the id (see contracts' sample-order.ts)
      innerResourceId: `orders/${Buffer.from(`order-order_id=${innerId}`).toString('base64')}`,
    };
    const { contentType, body } = encodeDelivery(
      'order_confirm',
      { orders: { order: [order] } },
      { format: 'json' },
    );
    deliveries.push({ innerId, path, contentType, body });
  }
  return deliveries;
}
