/** Where the XML form of a delivery has lists (the assumption: see xml.ts and assumptions.ts [A17]). */

/** `parent/child` pairs where `child` is always a list element. */
export const XML_LIST_ELEMENTS: ReadonlySet<string> = new Set([
  'orders/order',
  'orderProducts/orderProduct',
  'orderProductOptions/orderProductOption',
  'volume/volumeUnit',
  'weight/weightUnit',
  'newsletter/subscriber',
]);

/** Containers whose only content is one list: empty container → `{child: []}`. */
export const XML_LIST_CONTAINERS: Readonly<Record<string, string>> = {
  orders: 'order',
  orderProducts: 'orderProduct',
  orderProductOptions: 'orderProductOption',
  newsletter: 'subscriber',
};
