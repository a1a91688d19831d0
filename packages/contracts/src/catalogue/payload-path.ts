/**
 * Where a selectable field (`webHookParameters[].fields`) lands in the delivered payload.
 * ShopRenter drops the selection prefix: `order_firstname` arrives as `firstname` on the order,
 * `orderProduct_sku` as `sku` on each `orderProducts.orderProduct[]`.
 *
 * Facts (FACTS.md §4 and the captured delivery): `order_`, `orderHistory_`, `orderProduct_`,
 * `subscriber_`. ASSUMPTIONS (the documentation does not show these blocks in a delivery; kept
 * here, in one place, so they are easy to change): `orderCreditCard_*` → `orderCreditCard.*`,
 * `orderProductOption_*` → `orderProducts.orderProduct[].orderProductOptions.orderProductOption[].*`,
 * `orderProductExtra` → `orderProducts.orderProduct[].orderProductExtra`,
 * `orderProductAddon` → `orderProductAddons` on the order.
 */
export interface PayloadPathRule {
  /** The group a field belongs to, e.g. `orderProduct`. */
  readonly group: string;
  /** The selection prefix including its underscore, or the whole field name for a block field. */
  readonly prefix: string;
  /** Payload path of the block the rest of the name is a key of; `''` is the item itself. */
  readonly block: string;
  /** True when the whole field name stands for one block (no key after the prefix). */
  readonly whole?: boolean;
}

/** Longest prefixes first: `orderProductOption_` must win over `orderProduct_`. */
export const PAYLOAD_PATH_RULES: readonly PayloadPathRule[] = [
  {
    group: 'orderProductOption',
    prefix: 'orderProductOption_',
    block: 'orderProducts.orderProduct[].orderProductOptions.orderProductOption[]',
  },
  {
    group: 'orderProductExtra',
    prefix: 'orderProductExtra',
    block: 'orderProducts.orderProduct[]',
    whole: true,
  },
  { group: 'orderProductAddon', prefix: 'orderProductAddon', block: '', whole: true },
  { group: 'orderProduct', prefix: 'orderProduct_', block: 'orderProducts.orderProduct[]' },
  { group: 'orderCreditCard', prefix: 'orderCreditCard_', block: 'orderCreditCard' },
  { group: 'orderHistory', prefix: 'orderHistory_', block: 'orderHistory' },
  { group: 'order', prefix: 'order_', block: '' },
  { group: 'subscriber', prefix: 'subscriber_', block: '' },
];

/** Keys a whole-block field stands for in the payload. */
const WHOLE_BLOCK_KEYS: Readonly<Record<string, string>> = {
  orderProductExtra: 'orderProductExtra',
  orderProductAddon: 'orderProductAddons',
};

export interface ResolvedPayloadPath {
  group: string;
  /** Dotted path, `[]` marking a list, e.g. `orderProducts.orderProduct[].sku`. */
  path: string;
}

export function resolvePayloadPath(field: string): ResolvedPayloadPath | undefined {
  for (const rule of PAYLOAD_PATH_RULES) {
    if (rule.whole) {
      if (field !== rule.prefix) continue;
      const key = WHOLE_BLOCK_KEYS[field] ?? field;
      return { group: rule.group, path: rule.block ? `${rule.block}.${key}` : key };
    }
    if (!field.startsWith(rule.prefix) || field.length === rule.prefix.length) continue;
    const key = field.slice(rule.prefix.length);
    return { group: rule.group, path: rule.block ? `${rule.block}.${key}` : key };
  }
  return undefined;
}
