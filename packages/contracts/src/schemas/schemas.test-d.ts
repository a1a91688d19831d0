/**
 * Type-level tests: every zod schema is tied to the type openapi-typescript generates from
 * openapi/shoprenter.yaml, so a change on one side that the other does not follow fails
 * `vitest run` (typecheck mode) and `tsc`.
 *
 * Relations used (documented per block below):
 * - same known keys (index signatures of passthrough objects ignored) and same required keys;
 * - documented ⊂ accepted: every value the document allows is accepted by `z.input` of the schema
 *   (the schemas are deliberately more lenient: numeric strings, `null`, one-object lists);
 * - produced ⊂ documented: `z.output` of request schemas (what srhooks sends) and of delivery
 *   schemas (what `encodeDelivery` re-encodes) is a documented value. Raw webhook responses
 *   are normalised (`delay` string → number, lists always arrays), so for them only the input
 *   side is tied, and the normalised model is tied to the request-body types it is sent back as.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type {
  PaymentCardChangeNotificationSchema,
  PaymentStatusNotificationSchema,
} from '../app/payment-notification.js';
import type {
  DELAY_UNITS,
  DELIVERY_FORMATS,
  NEWSLETTER_EVENTS,
  ORDER_EVENTS,
  WEBHOOK_EVENTS,
} from '../events.js';
import type { SHOPRENTER_FIELDS } from '../generated/fields.js';
import type { components, paths, webhooks } from '../generated/shoprenter.js';
import type {
  ApiErrorBodySchema,
  BATCH_METHODS,
  BatchInnerRequestSchema,
  BatchInnerResponseSchema,
  BatchRequestSchema,
  BatchResponseSchema,
  INNER_ERROR_CODES,
  LinkSchema,
  NewsletterEnvelopeSchema,
  NewsletterSubscriberSchema,
  NewsletterSubscriberSearchParamsSchema,
  OrderHistoryEntrySchema,
  OrderHistorySchema,
  OrderItemSchema,
  OrderProductOptionSchema,
  OrderProductSchema,
  OrderSchema,
  OrderSearchParamsSchema,
  OrdersEnvelopeSchema,
  SubscriberSchema,
  TokenErrorBodySchema,
  TokenRequestSchema,
  TokenResponseSchema,
  UnitSchema,
  WebhookCollectionSchema,
  WebhookDelayInputSchema,
  WebhookDelayRawSchema,
  WebhookDelaySchema,
  WebhookInputSchema,
  WebhookParameterInputSchema,
  WebhookParameterRawSchema,
  WebhookParameterSchema,
  WebhookRawSchema,
  WebhookSchema,
  WebhookStatusSchema,
  WebhookUpdateInputSchema,
} from './index.js';

type Schemas = components['schemas'];

/** The declared properties of an object type, without the index signature of a passthrough object. */
type Declared<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : symbol extends K ? never : K]: T[K];
};
type KnownKeys<T> = keyof Declared<T>;
type RequiredKeys<T> = {
  [K in keyof Declared<T>]-?: object extends Pick<Declared<T>, K> ? never : K;
}[keyof Declared<T>];

type JsonBody<Op> = Op extends { requestBody: { content: { 'application/json': infer Body } } }
  ? Body
  : never;
type JsonResponse<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

describe('enumerations', () => {
  test('events, delay units, formats, batch methods and inner codes equal the runtime lists', () => {
    expectTypeOf<Schemas['WebhookEvent']>().toEqualTypeOf<(typeof WEBHOOK_EVENTS)[number]>();
    expectTypeOf<Schemas['DelayUnit']>().toEqualTypeOf<(typeof DELAY_UNITS)[number]>();
    expectTypeOf<Schemas['PayloadFormat']>().toEqualTypeOf<(typeof DELIVERY_FORMATS)[number]>();
    expectTypeOf<Schemas['BatchMethod']>().toEqualTypeOf<(typeof BATCH_METHODS)[number]>();
    expectTypeOf<Schemas['InnerErrorCode']>().toEqualTypeOf<keyof typeof INNER_ERROR_CODES>();
  });

  test('status: responses send "0"/"1", requests may send numbers too', () => {
    expectTypeOf<z.output<typeof WebhookStatusSchema>>().toEqualTypeOf<Schemas['WebhookStatus']>();
    expectTypeOf<z.input<typeof WebhookStatusSchema>>().toEqualTypeOf<Schemas['WebhookInput']['status']>();
  });

  test('the webhooks section has exactly the six events, with the right envelope each (and the Payment API notification)', () => {
    expectTypeOf<keyof webhooks>().toEqualTypeOf<(typeof WEBHOOK_EVENTS)[number] | 'payment_notification'>();
    expectTypeOf<JsonBody<webhooks['payment_notification']['post']>>().toEqualTypeOf<
      Schemas['PaymentStatusNotification'] | Schemas['PaymentCardChangeNotification']
    >();
    type OrderDelivery = JsonBody<webhooks[(typeof ORDER_EVENTS)[number]]['post']>;
    type NewsletterDelivery = JsonBody<webhooks[(typeof NEWSLETTER_EVENTS)[number]]['post']>;
    expectTypeOf<OrderDelivery>().toEqualTypeOf<Schemas['OrdersEnvelope']>();
    expectTypeOf<NewsletterDelivery>().toEqualTypeOf<Schemas['NewsletterEnvelope']>();
  });

  test('every field of the catalogue names a known event', () => {
    expectTypeOf<(typeof SHOPRENTER_FIELDS)[number]['events'][number]>().toExtend<Schemas['WebhookEvent']>();
  });
});

describe('token endpoint', () => {
  type TokenOp = paths['/{shop}/app/token']['post'];

  test('TokenRequestSchema is exactly the documented request body', () => {
    expectTypeOf<z.input<typeof TokenRequestSchema>>().toEqualTypeOf<Schemas['TokenRequest']>();
    expectTypeOf<z.output<typeof TokenRequestSchema>>().toEqualTypeOf<Schemas['TokenRequest']>();
    expectTypeOf<JsonBody<TokenOp>>().toEqualTypeOf<Schemas['TokenRequest']>();
  });

  test('TokenResponseSchema accepts the documented 200 body', () => {
    expectTypeOf<JsonResponse<TokenOp, 200>>().toEqualTypeOf<Schemas['TokenResponse']>();
    expectTypeOf<Schemas['TokenResponse']>().toExtend<z.input<typeof TokenResponseSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof TokenResponseSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['TokenResponse']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof TokenResponseSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['TokenResponse']>
    >();
  });

  test('the Payment API notification schemas accept the documented bodies (FACTS.md §8)', () => {
    expectTypeOf<Schemas['PaymentStatusNotification']>().toExtend<
      z.input<typeof PaymentStatusNotificationSchema>
    >();
    expectTypeOf<KnownKeys<z.input<typeof PaymentStatusNotificationSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['PaymentStatusNotification']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof PaymentStatusNotificationSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['PaymentStatusNotification']>
    >();
    expectTypeOf<Schemas['PaymentCardChangeNotification']>().toExtend<
      z.input<typeof PaymentCardChangeNotificationSchema>
    >();
    expectTypeOf<KnownKeys<z.input<typeof PaymentCardChangeNotificationSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['PaymentCardChangeNotification']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof PaymentCardChangeNotificationSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['PaymentCardChangeNotification']>
    >();
  });

  test('TokenErrorBodySchema accepts both documented error bodies', () => {
    expectTypeOf<JsonResponse<TokenOp, 400>>().toEqualTypeOf<Schemas['TokenErrorBody']>();
    expectTypeOf<JsonResponse<TokenOp, 401>>().toEqualTypeOf<Schemas['TokenErrorBody']>();
    expectTypeOf<Schemas['TokenErrorBody']>().toExtend<z.input<typeof TokenErrorBodySchema>>();
    expectTypeOf<KnownKeys<z.input<typeof TokenErrorBodySchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['TokenErrorBody']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof TokenErrorBodySchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['TokenErrorBody']>
    >();
  });
});

describe('webHooks requests', () => {
  test('WebhookInputSchema is exactly the documented POST body, and what it lets through is one', () => {
    expectTypeOf<z.input<typeof WebhookInputSchema>>().toEqualTypeOf<Schemas['WebhookInput']>();
    expectTypeOf<z.output<typeof WebhookInputSchema>>().toExtend<Schemas['WebhookInput']>();
    expectTypeOf<JsonBody<paths['/webHooks']['post']>>().toEqualTypeOf<Schemas['WebhookInput']>();
  });

  test('WebhookUpdateInputSchema is exactly the documented PUT body', () => {
    expectTypeOf<z.input<typeof WebhookUpdateInputSchema>>().toEqualTypeOf<Schemas['WebhookUpdateInput']>();
    expectTypeOf<z.output<typeof WebhookUpdateInputSchema>>().toExtend<Schemas['WebhookUpdateInput']>();
    expectTypeOf<JsonBody<paths['/webHooks/{id}']['put']>>().toEqualTypeOf<Schemas['WebhookUpdateInput']>();
  });

  test('parameter and delay inputs', () => {
    expectTypeOf<z.input<typeof WebhookParameterInputSchema>>().toEqualTypeOf<
      Schemas['WebhookParameterInput']
    >();
    expectTypeOf<z.output<typeof WebhookParameterInputSchema>>().toEqualTypeOf<
      Schemas['WebhookParameterInput']
    >();
    expectTypeOf<z.input<typeof WebhookDelayInputSchema>>().toEqualTypeOf<Schemas['WebhookDelayInput']>();
    expectTypeOf<z.output<typeof WebhookDelayInputSchema>>().toEqualTypeOf<Schemas['WebhookDelayInput']>();
  });
});

describe('webHooks responses (raw side)', () => {
  test('WebhookRawSchema accepts every documented item: object, array or [] lists', () => {
    expectTypeOf<Schemas['Webhook']>().toExtend<z.input<typeof WebhookRawSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof WebhookRawSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['Webhook']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof WebhookRawSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['Webhook']>
    >();
    expectTypeOf<JsonResponse<paths['/webHooks/{id}']['get'], 200>>().toEqualTypeOf<Schemas['Webhook']>();
  });

  test('raw parameter and delay blocks', () => {
    expectTypeOf<Schemas['WebhookParameter']>().toExtend<z.input<typeof WebhookParameterRawSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof WebhookParameterRawSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['WebhookParameter']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof WebhookParameterRawSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['WebhookParameter']>
    >();
    expectTypeOf<Schemas['WebhookDelay']>().toExtend<z.input<typeof WebhookDelayRawSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof WebhookDelayRawSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['WebhookDelay']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof WebhookDelayRawSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['WebhookDelay']>
    >();
  });

  test('WebhookCollectionSchema accepts every documented page', () => {
    expectTypeOf<Schemas['WebhookCollection']>().toExtend<z.input<typeof WebhookCollectionSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof WebhookCollectionSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['WebhookCollection']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof WebhookCollectionSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['WebhookCollection']>
    >();
    expectTypeOf<JsonResponse<paths['/webHooks']['get'], 200>>().toEqualTypeOf<
      Schemas['WebhookCollection']
    >();
  });

  test('LinkSchema is exactly the documented link', () => {
    expectTypeOf<z.input<typeof LinkSchema>>().toEqualTypeOf<Schemas['Link']>();
    expectTypeOf<z.output<typeof LinkSchema>>().toEqualTypeOf<Schemas['Link']>();
  });
});

describe('webHooks normalised model', () => {
  type Normalised = z.output<typeof WebhookSchema>;
  type Lists = 'webHookParameters' | 'webHookDelay';

  test('outside the lists and `enabled`, the normalised webhook is the documented item', () => {
    expectTypeOf<Omit<Normalised, Lists | 'enabled'>>().toEqualTypeOf<Omit<Schemas['Webhook'], Lists>>();
    expectTypeOf<Normalised['enabled']>().toEqualTypeOf<boolean>();
  });

  test('normalised list entries can be sent back as request-body entries', () => {
    expectTypeOf<z.output<typeof WebhookParameterSchema>>().toEqualTypeOf<Schemas['WebhookParameterInput']>();
    expectTypeOf<Normalised['webHookParameters'][number]>().toExtend<Schemas['WebhookParameterInput']>();
    expectTypeOf<z.output<typeof WebhookDelaySchema>>().toExtend<Schemas['WebhookDelayInput']>();
    expectTypeOf<KnownKeys<z.output<typeof WebhookDelaySchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['WebhookDelayInput']>
    >();
    expectTypeOf<Normalised['webHookDelay'][number]>().toExtend<Schemas['WebhookDelayInput']>();
  });

  test('normalised list entries keep the raw keys except the back-link', () => {
    expectTypeOf<KnownKeys<z.output<typeof WebhookParameterSchema>>>().toEqualTypeOf<
      Exclude<KnownKeys<Schemas['WebhookParameter']>, 'webHook'>
    >();
    expectTypeOf<KnownKeys<z.output<typeof WebhookDelaySchema>>>().toEqualTypeOf<
      Exclude<KnownKeys<Schemas['WebhookDelay']>, 'webHook'>
    >();
  });
});

describe('orders, batch and errors', () => {
  test('OrderSchema accepts the documented order and names only documented fields', () => {
    expectTypeOf<Schemas['Order']>().toExtend<z.input<typeof OrderSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof OrderSchema>>>().toExtend<KnownKeys<Schemas['Order']>>();
    expectTypeOf<RequiredKeys<z.input<typeof OrderSchema>>>().toEqualTypeOf<RequiredKeys<Schemas['Order']>>();
    expectTypeOf<JsonResponse<paths['/orders/{id}']['get'], 200>>().toEqualTypeOf<Schemas['Order']>();
  });

  test('recovery reads: order search params, history entries and subscribers match the document', () => {
    type SearchQuery = NonNullable<paths['/orders']['get']['parameters']['query']>;
    expectTypeOf<KnownKeys<z.input<typeof OrderSearchParamsSchema>>>().toEqualTypeOf<
      KnownKeys<SearchQuery>
    >();
    expectTypeOf<z.output<typeof OrderSearchParamsSchema>>().toExtend<SearchQuery>();
    type SubscriberQuery = NonNullable<paths['/newsletterSubscribers']['get']['parameters']['query']>;
    expectTypeOf<KnownKeys<z.input<typeof NewsletterSubscriberSearchParamsSchema>>>().toEqualTypeOf<
      KnownKeys<SubscriberQuery>
    >();
    expectTypeOf<Schemas['OrderHistoryEntry']>().toExtend<z.input<typeof OrderHistoryEntrySchema>>();
    expectTypeOf<KnownKeys<z.input<typeof OrderHistoryEntrySchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['OrderHistoryEntry']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof OrderHistoryEntrySchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['OrderHistoryEntry']>
    >();
    expectTypeOf<Schemas['NewsletterSubscriber']>().toExtend<z.input<typeof NewsletterSubscriberSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof NewsletterSubscriberSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['NewsletterSubscriber']>
    >();
  });

  test('BatchRequestSchema accepts every documented batch body', () => {
    expectTypeOf<Schemas['BatchRequest']>().toExtend<z.input<typeof BatchRequestSchema>>();
    expectTypeOf<Schemas['BatchRequestItem']>().toExtend<z.input<typeof BatchInnerRequestSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof BatchInnerRequestSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['BatchRequestItem']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof BatchInnerRequestSchema>>>().toEqualTypeOf<
      RequiredKeys<Schemas['BatchRequestItem']>
    >();
    // The schema types the inner `data` as unknown (the document: an object), so the sent side
    // is tied without it.
    expectTypeOf<Omit<z.output<typeof BatchInnerRequestSchema>, 'data'>>().toExtend<
      Omit<Schemas['BatchRequestItem'], 'data'>
    >();
    expectTypeOf<JsonBody<paths['/batch']['post']>>().toEqualTypeOf<Schemas['BatchRequest']>();
  });

  test('BatchResponseSchema accepts every documented batch answer', () => {
    expectTypeOf<Schemas['BatchResponse']>().toExtend<z.input<typeof BatchResponseSchema>>();
    expectTypeOf<Schemas['BatchResponseItem']>().toExtend<z.input<typeof BatchInnerResponseSchema>>();
    expectTypeOf<KnownKeys<z.input<typeof BatchInnerResponseSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['BatchResponseItem']>
    >();
    expectTypeOf<
      z.output<typeof BatchInnerResponseSchema>['response']['header']['statusCode']
    >().toEqualTypeOf<Schemas['BatchResponseItem']['response']['header']['statusCode']>();
    expectTypeOf<JsonResponse<paths['/batch']['post'], 200>>().toEqualTypeOf<Schemas['BatchResponse']>();
  });

  test('ApiErrorBodySchema accepts the documented error body', () => {
    expectTypeOf<Schemas['ApiErrorBody']>().toExtend<z.input<typeof ApiErrorBodySchema>>();
    expectTypeOf<KnownKeys<z.input<typeof ApiErrorBodySchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['ApiErrorBody']>
    >();
    expectTypeOf<JsonResponse<paths['/webHooks/{id}']['get'], 404>>().toEqualTypeOf<
      Schemas['ApiErrorBody']
    >();
  });
});

describe('delivery payloads', () => {
  test('envelopes: every documented payload is accepted, every parsed payload is documented', () => {
    expectTypeOf<Schemas['OrdersEnvelope']>().toExtend<z.input<typeof OrdersEnvelopeSchema>>();
    expectTypeOf<z.output<typeof OrdersEnvelopeSchema>>().toExtend<Schemas['OrdersEnvelope']>();
    expectTypeOf<Schemas['NewsletterEnvelope']>().toExtend<z.input<typeof NewsletterEnvelopeSchema>>();
    expectTypeOf<z.output<typeof NewsletterEnvelopeSchema>>().toExtend<Schemas['NewsletterEnvelope']>();
  });

  test('the wire form is one multipart field `data` holding the document', () => {
    type Multipart = webhooks['order_confirm']['post']['requestBody']['content']['multipart/form-data'];
    expectTypeOf<Multipart>().toEqualTypeOf<Schemas['DeliveryForm']>();
    expectTypeOf<Schemas['DeliveryForm']>().toEqualTypeOf<{ data: string }>();
  });

  /**
   * Documented order fields (fields.json) that OrderItemSchema does not name yet; passthrough keeps
   * them as `unknown`. Pinned so that drift either way fails: when the schema names one, remove it here.
   */
  type OrderItemFieldsOnlyDocumented = never;
  /** Same for OrderProductSchema. */
  type OrderProductFieldsOnlyDocumented = never;

  test('OrderItemSchema: accepted and produced values are documented; its fields are documented', () => {
    expectTypeOf<Schemas['OrderItem']>().toExtend<z.input<typeof OrderItemSchema>>();
    expectTypeOf<z.output<typeof OrderItemSchema>>().toExtend<Schemas['OrderItem']>();
    expectTypeOf<
      Exclude<KnownKeys<z.input<typeof OrderItemSchema>>, KnownKeys<Schemas['OrderItem']>>
    >().toEqualTypeOf<never>();
    expectTypeOf<
      Exclude<KnownKeys<Schemas['OrderItem']>, KnownKeys<z.input<typeof OrderItemSchema>>>
    >().toEqualTypeOf<OrderItemFieldsOnlyDocumented>();
    expectTypeOf<RequiredKeys<z.input<typeof OrderItemSchema>>>().toEqualTypeOf<never>();
    expectTypeOf<RequiredKeys<Schemas['OrderItem']>>().toEqualTypeOf<never>();
  });

  test('nested order blocks', () => {
    expectTypeOf<Schemas['OrderHistory']>().toExtend<z.input<typeof OrderHistorySchema>>();
    expectTypeOf<z.output<typeof OrderHistorySchema>>().toExtend<Schemas['OrderHistory']>();
    expectTypeOf<KnownKeys<z.input<typeof OrderHistorySchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['OrderHistory']>
    >();

    expectTypeOf<Schemas['OrderProduct']>().toExtend<z.input<typeof OrderProductSchema>>();
    expectTypeOf<z.output<typeof OrderProductSchema>>().toExtend<Schemas['OrderProduct']>();
    expectTypeOf<
      Exclude<KnownKeys<z.input<typeof OrderProductSchema>>, KnownKeys<Schemas['OrderProduct']>>
    >().toEqualTypeOf<never>();
    expectTypeOf<
      Exclude<KnownKeys<Schemas['OrderProduct']>, KnownKeys<z.input<typeof OrderProductSchema>>>
    >().toEqualTypeOf<OrderProductFieldsOnlyDocumented>();

    expectTypeOf<Schemas['OrderProductOption']>().toExtend<z.input<typeof OrderProductOptionSchema>>();
    expectTypeOf<z.output<typeof OrderProductOptionSchema>>().toExtend<Schemas['OrderProductOption']>();
    expectTypeOf<KnownKeys<z.input<typeof OrderProductOptionSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['OrderProductOption']>
    >();

    expectTypeOf<Schemas['MeasureUnit']>().toExtend<z.input<typeof UnitSchema>>();
    expectTypeOf<z.output<typeof UnitSchema>>().toExtend<Schemas['MeasureUnit']>();
    expectTypeOf<KnownKeys<z.input<typeof UnitSchema>>>().toEqualTypeOf<KnownKeys<Schemas['MeasureUnit']>>();
  });

  test('SubscriberSchema', () => {
    expectTypeOf<Schemas['Subscriber']>().toExtend<z.input<typeof SubscriberSchema>>();
    expectTypeOf<z.output<typeof SubscriberSchema>>().toExtend<Schemas['Subscriber']>();
    expectTypeOf<KnownKeys<z.input<typeof SubscriberSchema>>>().toEqualTypeOf<
      KnownKeys<Schemas['Subscriber']>
    >();
    expectTypeOf<RequiredKeys<z.input<typeof SubscriberSchema>>>().toEqualTypeOf<never>();
  });
});
