import { z } from 'zod';
import { LooseNumberSchema, LooseStringSchema, looseBlock, looseList } from './loose.js';

/**
 * Delivery payloads as the shop POSTs them (FACTS.md §4). Deliberately lenient: every field is
 * optional (the subscription's `fields` choose which arrive), numbers may be strings, unknown
 * fields are preserved (ShopRenter adds fields every few months). Price, total, tax rate and
 * quantity fields are exposed as numbers.
 */

const text = LooseStringSchema.optional();
const amount = LooseNumberSchema.optional();

export const UnitSchema = z.looseObject({ unit: text, language: text });

export const OrderProductOptionSchema = z.looseObject({
  name: text,
  valueName: text,
  price: amount,
  prefix: text,
});

export const OrderProductSchema = z.looseObject({
  innerId: text,
  innerResourceId: text,
  outerResourceId: text,
  productId: text,
  name: text,
  sku: text,
  model: text,
  gtin: text,
  price: amount,
  grossPrice: amount,
  currency: text,
  taxRate: amount,
  quantity: amount,
  image: text,
  category: text,
  durableMediaDevice: text,
  volume: looseBlock(
    z.looseObject({
      height: amount,
      width: amount,
      length: amount,
      volumeUnit: looseList(UnitSchema).optional(),
    }),
  ),
  weight: looseBlock(z.looseObject({ weight: amount, weightUnit: looseList(UnitSchema).optional() })),
  orderProductExtra: z.unknown().optional(),
  orderProductOptions: looseBlock(
    z.looseObject({ orderProductOption: looseList(OrderProductOptionSchema).optional() }),
  ),
});

export const OrderHistorySchema = z.looseObject({
  status: text,
  statusText: text,
  comment: text,
  dateAdded: text,
});

export const OrderCreditCardSchema = z.looseObject({
  date: text,
  transactionId: text,
  licenceNumber: text,
  bankAnswerCode: text,
  bankAnswer: text,
});

export const OrderItemSchema = z.looseObject({
  storeName: text,
  innerId: text,
  innerResourceId: text,
  outerResourceId: text,
  customerId: text,
  firstname: text,
  lastname: text,
  phone: text,
  fax: text,
  email: text,
  email_hash: text,
  cart_token: text,
  shippingFirstname: text,
  shippingLastname: text,
  shippingCompany: text,
  shippingAddress1: text,
  shippingAddress2: text,
  shippingCity: text,
  shippingCountryName: text,
  shippingZoneName: text,
  shippingPostcode: text,
  expectedDeliveryDate: text,
  paymentFirstname: text,
  paymentLastname: text,
  paymentCompany: text,
  paymentAddress1: text,
  paymentAddress2: text,
  paymentCity: text,
  paymentCountryName: text,
  paymentZoneName: text,
  paymentPostcode: text,
  paymentTaxnumber: text,
  shippingMethodName: text,
  shippingMethodCode: text,
  shippingNetPrice: amount,
  shippingGrossPrice: amount,
  shippingAdditionalCostNet: amount,
  shippingAdditionalCostGross: amount,
  shippingInnerResourceId: text,
  shippingId: text,
  shippingCountryId: text,
  shippingCountryIsoCode2: text,
  shippingCountryIsoCode3: text,
  paymentCountryId: text,
  paymentCountryIsoCode2: text,
  paymentCountryIsoCode3: text,
  paymentMethodName: text,
  paymentMethodCode: text,
  paymentNetPrice: amount,
  paymentGrossPrice: amount,
  couponCode: text,
  couponGrossPrice: amount,
  cartAmountDiscount: amount,
  languageId: text,
  languageCode: text,
  comment: text,
  total: amount,
  totalGross: amount,
  taxPrice: amount,
  currency: text,
  newsletterChecked: text,
  reloadLink: text,
  loyaltyPoints: amount,
  loyaltyPointsUsed: amount,
  orderHistory: looseBlock(OrderHistorySchema),
  orderCreditCard: looseBlock(OrderCreditCardSchema),
  /** ASSUMPTION (catalogue/payload-path.ts): the `orderProductAddon` block, kept as sent. */
  orderProductAddons: z.unknown().optional(),
  orderProducts: looseBlock(z.looseObject({ orderProduct: looseList(OrderProductSchema) })),
});

export const SubscriberSchema = z.looseObject({
  id: text,
  firstname: text,
  lastname: text,
  email: text,
  phone: text,
  status: LooseStringSchema.optional(),
  language: text,
  hash: text,
  subscribe_date: text,
});

export const OrdersEnvelopeSchema = z.object({
  orders: z.object({ order: looseList(OrderItemSchema) }),
});

export const NewsletterEnvelopeSchema = z.object({
  newsletter: z.object({ subscriber: looseList(SubscriberSchema) }),
});

export type OrderProduct = z.infer<typeof OrderProductSchema>;
export type OrderHistory = z.infer<typeof OrderHistorySchema>;
export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Subscriber = z.infer<typeof SubscriberSchema>;
export type OrdersEnvelope = z.infer<typeof OrdersEnvelopeSchema>;
export type NewsletterEnvelope = z.infer<typeof NewsletterEnvelopeSchema>;
/** What a sender may put in (numbers as strings etc.), before normalisation. */
export type OrdersEnvelopeInput = z.input<typeof OrdersEnvelopeSchema>;
export type NewsletterEnvelopeInput = z.input<typeof NewsletterEnvelopeSchema>;
