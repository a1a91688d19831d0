/**
 * The shipping mode of an order, read from the one place the order carries it: its
 * `shippingInnerResourceId` (`shippingModeExtend/` + base64(`shippingMode-id=<n>`), as in the
 * captured delivery). The delivery, `GET /orders/{id}` (its `shippingMode` link), the search
 * parameter `shippingModeInnerId` and the selectable `order_shippingId` all come from here.
 */
export function shippingModeInnerId(item: Record<string, unknown>): string | undefined {
  const path = item.shippingInnerResourceId;
  if (typeof path !== 'string') return undefined;
  const match = /^shippingModeExtend\/([A-Za-z0-9+/=]+)$/.exec(path);
  if (!match?.[1]) return undefined;
  return /^shippingMode-id=([0-9]{1,10})$/.exec(Buffer.from(match[1], 'base64').toString('latin1'))?.[1];
}
