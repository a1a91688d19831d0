import type { StoredOrder } from './shop-data.js';

/**
 * Orders by inner id, so a batch of 200 history lookups over a shop of 10,000 orders is not 2 million
 * comparisons. Orders are only ever appended: the index is rebuilt when the list has grown (or is a
 * new list) by the new entries only.
 */
const indexes = new WeakMap<StoredOrder[], { length: number; byInnerId: Map<string, StoredOrder> }>();

export function orderByInnerId(orders: StoredOrder[], innerId: string): StoredOrder | undefined {
  let index = indexes.get(orders);
  if (!index || index.length > orders.length) {
    index = { length: 0, byInnerId: new Map() };
    indexes.set(orders, index);
  }
  for (; index.length < orders.length; index.length++) {
    const order = orders[index.length] as StoredOrder;
    index.byInnerId.set(String(order.item.innerId), order);
  }
  return index.byInnerId.get(innerId);
}
