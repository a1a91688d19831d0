/**
 * Masks personal data in an event payload before the `log` handler prints it. What is printed as it
 * is, is listed: the fields that say nothing about the person (ids, amounts, dates, statuses, the
 * shipping and payment methods, countries, the ordered products), by the block they sit in
 * (`SHOWN`). Every other text is masked or hidden, so a field ShopRenter adds, a custom field or an
 * extra block (`orderProductExtra`, a card payment's `bankAnswer`) never reaches the log as sent:
 * - e-mail, phone, fax and mobile fields become "[email]" / "[phone]";
 * - names (`firstname`, `lastname`, `shippingFirstname`, …), company names and tax numbers (a Hungarian
 *   sole trader's identify the person) keep their initials ("Kovács" → "K***");
 * - the address (`shippingAddress1`, `paymentAddress2`, …, city and postcode) becomes "[address]";
 * - the cart reload link (`reloadLink`, abandoned carts) becomes "[link]": it reopens the customer's
 *   cart for whoever has it (assumed: ShopRenter documents only its label), so it is a credential; the
 *   cart's token (`cart_token`, and any other field named `…token`) becomes "[token]", as the link is
 *   assumed to carry it (the sandbox's `reloadLink` ends in `token=<cart_token>`); a subscriber's
 *   `hash` (it activates and deactivates the subscription) and the customer's `email_hash` (the
 *   e-mail address, found again by hashing a guess) become "[hash]";
 * - any other text — free text (`comment`, a product option's value: what the customer typed), and
 *   every field not listed — is hidden whole ("[text: N characters]"): it may hold anything in any
 *   form. An id-named field (`innerId`, `id`) that does not look like an id is hidden the same way;
 * - in the listed fields, e-mail addresses and phone numbers are still masked, by the receiver's log
 *   redactor and in every Hungarian form (`+36 30 123 4567`, `06-30-123-4567`, `36-30-123-4567`,
 *   `30/123-4567`, `(1) 234-5678`).
 * Numbers, true/false and null are printed as they are: amounts and counts.
 */
import { HUNGARIAN_PHONE } from '../../logging/phone-number.js';
import { createLineRedactor } from '../../logging/redact-log-line.js';
import { looksLikeId } from '../../personal-data/id-text.js';
import { maskName } from '../../personal-data/personal-data-mask.js';

const CONTACT_KEY = /(e-?mail|phone|fax|mobile)$/i;
/** Names, and what names a person too: a company name or tax number (a sole trader's are their own). */
const NAME_KEY = /((first|last)name|company|taxnumber)$/i;
const ADDRESS_KEY = /(address\d*|city|postcode)$/i;
const LINK_KEY = /^reloadLink$/i;
const TOKEN_KEY = /token$/i;
const HASH_KEY = /hash$/i;
/** Free text, a product option's value included: customers type into text options (an engraving, a name). */
const FREE_TEXT_KEY = /(comment|note|message|valuename)$/i;
/** A field named as an id (`innerId`, `id`, `customerId`): printed only when its value looks like one. */
const ID_KEY = /(^id|Id)$/;

/** The order's own fields that say nothing about the person (the event's item is the block `''`). */
const ORDER_FIELDS = [
  'storeName',
  'innerId',
  'innerResourceId',
  'outerResourceId',
  'customerId',
  'shippingCountryName',
  'shippingZoneName',
  'shippingCountryId',
  'shippingCountryIsoCode2',
  'shippingCountryIsoCode3',
  'paymentCountryName',
  'paymentZoneName',
  'paymentCountryId',
  'paymentCountryIsoCode2',
  'paymentCountryIsoCode3',
  'expectedDeliveryDate',
  'shippingMethodName',
  'shippingMethodCode',
  'shippingNetPrice',
  'shippingGrossPrice',
  'shippingAdditionalCostNet',
  'shippingAdditionalCostGross',
  'shippingInnerResourceId',
  'shippingId',
  'paymentMethodName',
  'paymentMethodCode',
  'paymentNetPrice',
  'paymentGrossPrice',
  'couponCode',
  'couponGrossPrice',
  'cartAmountDiscount',
  'languageId',
  'languageCode',
  'total',
  'totalGross',
  'taxPrice',
  'currency',
  'newsletterChecked',
  'loyaltyPoints',
  'loyaltyPointsUsed',
  'dateAdded',
  'dateCreated',
  'dateUpdated',
];
/** A newsletter subscriber's, a Payment API notification's and the receiver's own `app_uninstalled` fields. */
const OTHER_ITEM_FIELDS = [
  'id',
  'status',
  'language',
  'subscribe_date',
  'time',
  'changeId',
  'subscriptionId',
  'paymentStatus',
  'shop',
  'uninstalledAt',
  'cancelledJobs',
  'uninstalledBy',
];

/** Printed as they are, by the block (the key the object or list sits under) they are in. */
const SHOWN: Readonly<Record<string, ReadonlySet<string>>> = {
  '': new Set([...ORDER_FIELDS, ...OTHER_ITEM_FIELDS]),
  orderHistory: new Set(['status', 'statusText', 'dateAdded']),
  orderCreditCard: new Set(['date', 'transactionId', 'licenceNumber', 'bankAnswerCode']),
  orderProduct: new Set([
    'innerId',
    'innerResourceId',
    'outerResourceId',
    'productId',
    'name',
    'sku',
    'model',
    'gtin',
    'price',
    'grossPrice',
    'currency',
    'taxRate',
    'quantity',
    'image',
    'category',
    'durableMediaDevice',
  ]),
  orderProductOption: new Set([
    'name',
    'price',
    'prefix',
    'orderProductOption_name',
    'orderProductOption_price',
    'orderProductOption_prefix',
  ]),
  volume: new Set(['height', 'width', 'length']),
  weight: new Set(['weight']),
  volumeUnit: new Set(['unit', 'language']),
  weightUnit: new Set(['unit', 'language']),
};
const redactText = createLineRedactor();

function hiddenText(value: string): string {
  return `[text: ${Array.from(value).length} characters]`;
}

/** The mask a text gets for its field's name (contact, name, address, link, token, hash, free text), if any. */
function maskByName(key: string, value: string): string | undefined {
  if (CONTACT_KEY.test(key)) return /mail/i.test(key) ? '[email]' : '[phone]';
  if (NAME_KEY.test(key)) return maskName(value);
  if (ADDRESS_KEY.test(key)) return '[address]';
  if (LINK_KEY.test(key)) return '[link]';
  if (TOKEN_KEY.test(key)) return '[token]';
  if (HASH_KEY.test(key)) return '[hash]';
  if (FREE_TEXT_KEY.test(key)) return hiddenText(value);
  return undefined;
}

function maskField(block: string, key: string, value: unknown): unknown {
  if (value === null || typeof value === 'object') return maskBlock(key, value);
  if (value === '') return value;
  if (typeof value !== 'string') return CONTACT_KEY.test(key) ? maskByName(key, String(value)) : value;
  const byName = maskByName(key, value);
  if (byName !== undefined) return byName;
  if (!SHOWN[block]?.has(key)) return hiddenText(value);
  if (ID_KEY.test(key) && !looksLikeId(value)) return hiddenText(value);
  return shownText(value);
}

/** An object or list under `block` (a list's items are in the list's block). */
function maskBlock(block: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => maskBlock(block, item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = maskField(block, key, inner);
    return out;
  }
  if (typeof value === 'string') return hiddenText(value);
  return value;
}

/** A listed field's text: e-mail addresses and phone numbers in it masked all the same. */
function shownText(value: string): string {
  return redactText(value).replace(HUNGARIAN_PHONE, '[phone]');
}

/** The event's payload (its item) as the `log` handler prints it. */
export function maskPersonalData(payload: unknown): unknown {
  return maskBlock('', payload);
}

/**
 * A field a module handler logs (`ctx.logger.info({ order: event.order, step: 'crm' }, …)`): an object or
 * list is masked as an event's item; a text by its field's name (a `firstname`, an `email`, a `comment`),
 * else printed with e-mail addresses and phone numbers masked — the handler's own words (`step`, `target`).
 */
export function maskLoggedField(key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object') return maskBlock('', value);
  if (typeof value === 'number' && CONTACT_KEY.test(key)) return maskByName(key, String(value));
  if (typeof value !== 'string' || value === '') return value;
  return maskByName(key, value) ?? shownText(value);
}

/** The event's subject id (an order's innerId, a subscriber's id) as printed: hidden unless it looks like an id. */
export function maskSubjectId(subjectId: string | null): string | null {
  if (subjectId === null || subjectId === '' || looksLikeId(subjectId)) return subjectId;
  return hiddenText(subjectId);
}
