/**
 * contracts' samples are in decoded form (amounts as numbers). The real shop sends most amounts
 * as strings and only a few as numbers (FACTS.md §4; deliveries/order_confirm.json): this turns a
 * sample into that wire form, so receivers are tested against what ShopRenter really sends.
 * Mapping read off the capture: price "945", taxRate "27.0000", quantity "1", total "9945",
 * totalGross "11206", taxPrice "255", shippingGrossPrice "1006", volume/weight "0.00";
 * shippingNetPrice 970.0714, paymentNetPrice 0, paymentGrossPrice 0 stay numbers.
 */

type Item = Record<string, unknown>;

const ORDER_STRING_AMOUNTS = ['total', 'totalGross', 'taxPrice', 'shippingGrossPrice'] as const;

function isObject(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function plain(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value;
}

function fixed(value: unknown, decimals: number): unknown {
  return typeof value === 'number' ? value.toFixed(decimals) : value;
}

function wireBlock(block: unknown, fields: readonly string[]): void {
  if (!isObject(block)) return;
  for (const field of fields) block[field] = fixed(block[field], 2);
}

function wireProduct(product: unknown): void {
  if (!isObject(product)) return;
  product.price = plain(product.price);
  product.quantity = plain(product.quantity);
  product.taxRate = fixed(product.taxRate, 4);
  wireBlock(product.volume, ['height', 'width', 'length']);
  wireBlock(product.weight, ['weight']);
}

/** The order in the shop's wire form (mutates and returns `order`). */
export function toWireOrder(order: Item): Item {
  for (const field of ORDER_STRING_AMOUNTS) order[field] = plain(order[field]);
  const block = order.orderProducts;
  const list = isObject(block) ? block.orderProduct : undefined;
  if (Array.isArray(list)) list.forEach(wireProduct);
  else wireProduct(list);
  return order;
}

/** The subscriber in the shop's wire form: `status` as a number, as in the capture (mutates and returns it). */
export function toWireSubscriber(subscriber: Item): Item {
  if (typeof subscriber.status === 'string' && /^[01]$/.test(subscriber.status)) {
    subscriber.status = Number(subscriber.status);
  }
  return subscriber;
}
