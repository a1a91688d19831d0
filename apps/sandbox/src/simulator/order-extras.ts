import { createHash } from 'node:crypto';
import { customerEmailHash } from '@srhooks/contracts';
import { SELECTABLE_FIELD_SHAPES } from '../assumptions.js';
import type { WireItem } from '../state/shop-data.js';
import { shippingModeInnerId } from './shipping-mode.js';
import { shopDateTime } from './shop-time.js';

/**
 * The fields a subscription may select (`fields.json`) that are not in the shop's default set
 * (the captured delivery's 47 keys, contracts' `sampleOrder`): every one is generated for every
 * order, from the order's own data, so a subscription that selects it gets it (FACTS.md §3:
 * "`fields` picks which fields the shop sends"). A delivery without `fields` leaves them out
 * (`delivered-item.ts`). Where the documentation shows no shape, the one chosen here is an
 * assumption (assumptions.ts [A25] `SELECTABLE_FIELD_SHAPES`).
 */

/** Order-level keys this module adds (payload names, prefix dropped). */
export const EXTRA_ORDER_KEYS = [
  'email_hash',
  'expectedDeliveryDate',
  'shippingMethodCode',
  'shippingAdditionalCostNet',
  'shippingAdditionalCostGross',
  'shippingId',
  'shippingCountryId',
  'shippingCountryIsoCode2',
  'shippingCountryIsoCode3',
  'paymentCountryId',
  'paymentCountryIsoCode2',
  'paymentCountryIsoCode3',
  'paymentMethodCode',
  'cartAmountDiscount',
  'newsletterChecked',
  'reloadLink',
  'customerId',
  'loyaltyPoints',
  'loyaltyPointsUsed',
  'orderCreditCard',
  'orderProductAddons',
] as const;

/** Keys this module adds to each `orderProducts.orderProduct[]`. */
export const EXTRA_PRODUCT_KEYS = [
  'productId',
  'grossPrice',
  'durableMediaDevice',
  'gtin',
  'model',
  'orderProductOptions',
  'orderProductExtra',
] as const;

export interface OrderContext {
  /** When the order was placed. */
  now: Date;
  /** Whether the customer's e-mail address is among the shop's newsletter subscribers. */
  subscribed: boolean;
  /** True for an abandoned cart (the only kind of order with a reload link). */
  abandoned: boolean;
}

function isObject(value: unknown): value is WireItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function digitsOf(seed: string, length: number): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  let out = '';
  for (let i = 0; out.length < length; i++)
    out += String(Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 10);
  return out;
}

/** An EAN-13 with a valid check digit, the same for the same SKU. */
function gtinFor(sku: string): string {
  const body = `599${digitsOf(`gtin:${sku}`, 9)}`;
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

function productsOf(order: WireItem): WireItem[] {
  const block = order.orderProducts;
  const list = isObject(block) ? block.orderProduct : undefined;
  return (Array.isArray(list) ? list : isObject(list) ? [list] : []).filter(isObject);
}

function countryCodes(name: unknown): { id: string; iso2: string; iso3: string } {
  return SELECTABLE_FIELD_SHAPES.countries[text(name)] ?? { id: '', iso2: '', iso3: '' };
}

function creditCard(order: WireItem, context: OrderContext): WireItem {
  const card = /bankkárty/i.test(text(order.paymentMethodName));
  if (!card) return { date: '', transactionId: '', licenceNumber: '', bankAnswerCode: '', bankAnswer: '' };
  const seed = `card:${text(order.innerId)}:${text(order.cart_token)}`;
  return {
    date: shopDateTime(context.now),
    transactionId: digitsOf(`${seed}:tx`, 12),
    licenceNumber: digitsOf(`${seed}:licence`, 6),
    bankAnswerCode: '00',
    bankAnswer: SELECTABLE_FIELD_SHAPES.cardApprovedText,
  };
}

function addProductExtras(product: WireItem): void {
  const sku = text(product.sku);
  const price = Number(product.price);
  const taxRate = Number(product.taxRate);
  product.productId = String(Number(digitsOf(`product:${sku}`, 4)) + 1);
  product.grossPrice = Number.isFinite(price * taxRate)
    ? String(Math.round(price * (1 + taxRate / 100) * 10_000) / 10_000)
    : text(product.price);
  product.durableMediaDevice = '0';
  product.gtin = gtinFor(sku);
  product.model = sku === '' ? '' : `${sku}-M`;
  product.orderProductOptions = { orderProductOption: [{ ...SELECTABLE_FIELD_SHAPES.productOption }] };
  product.orderProductExtra = structuredClone(SELECTABLE_FIELD_SHAPES.productExtra);
}

/**
 * Adds every selectable field outside the default set to `order` (wire form; mutates and returns
 * it). Values follow the order: `email_hash` is the SHA-256 of its e-mail, `shippingId` its
 * shipping mode, the country codes its country names, the card block is filled for a card
 * payment only, each product's `grossPrice` is its net price with its tax rate.
 */
export function addSelectableFields(order: WireItem, context: OrderContext): WireItem {
  const shipping = countryCodes(order.shippingCountryName);
  const payment = countryCodes(order.paymentCountryName);
  const mode = shippingModeInnerId(order) ?? '';
  const expected = new Date(context.now.getTime() + SELECTABLE_FIELD_SHAPES.deliveryDays * 86_400_000);
  Object.assign(order, {
    email_hash: customerEmailHash(text(order.email)), // A49
    expectedDeliveryDate: shopDateTime(expected).slice(0, 10),
    shippingMethodCode: SELECTABLE_FIELD_SHAPES.shippingMethodCodes[mode] ?? (mode ? `SHIPPING_${mode}` : ''),
    shippingAdditionalCostNet: 0,
    shippingAdditionalCostGross: '0',
    shippingId: mode,
    shippingCountryId: shipping.id,
    shippingCountryIsoCode2: shipping.iso2,
    shippingCountryIsoCode3: shipping.iso3,
    paymentCountryId: payment.id,
    paymentCountryIsoCode2: payment.iso2,
    paymentCountryIsoCode3: payment.iso3,
    paymentMethodCode: SELECTABLE_FIELD_SHAPES.paymentMethodCodes[text(order.paymentMethodName)] ?? '',
    cartAmountDiscount: '0',
    newsletterChecked: context.subscribed ? '1' : '0',
    reloadLink: context.abandoned
      ? SELECTABLE_FIELD_SHAPES.reloadLink(text(order.storeName), text(order.cart_token))
      : '',
    customerId: '0',
    loyaltyPoints: '0',
    loyaltyPointsUsed: '0',
    orderCreditCard: creditCard(order, context),
    orderProductAddons: { orderProductAddon: [] },
  });
  for (const product of productsOf(order)) addProductExtras(product);
  return order;
}

/** The order as a subscription without `fields` gets it: the default set (a copy without the keys above). */
export function defaultFieldSet(order: WireItem): WireItem {
  const out: WireItem = { ...order };
  for (const key of EXTRA_ORDER_KEYS) delete out[key];
  const block = out.orderProducts;
  if (isObject(block) && block.orderProduct !== undefined) {
    const strip = (product: unknown) => {
      if (!isObject(product)) return product;
      const copy: WireItem = { ...product };
      for (const key of EXTRA_PRODUCT_KEYS) delete copy[key];
      return copy;
    };
    const list = block.orderProduct;
    out.orderProducts = { ...block, orderProduct: Array.isArray(list) ? list.map(strip) : strip(list) };
  }
  return out;
}
