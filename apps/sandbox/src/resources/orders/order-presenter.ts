import { orderIdFor } from '@srhooks/contracts';
import { ABANDONED_CART_STATUS } from '../../assumptions.js';
import { shippingModeInnerId } from '../../simulator/shipping-mode.js';
import { shopApiDateTime } from '../../simulator/shop-time.js';
import type { StoredOrder } from '../../state/shop-data.js';
import { linkedResourceId } from '../resource-ids.js';
import { currencyIdFor } from './currency-handlers.js';

type Item = Record<string, unknown>;

/** Scalar fields the REST order shares with the delivered order, in the documented order. */
const SHARED_FIELDS = [
  'firstname',
  'lastname',
  'phone',
  'fax',
  'email',
  'shippingFirstname',
  'shippingLastname',
  'shippingCompany',
  'shippingAddress1',
  'shippingAddress2',
  'shippingCity',
  'shippingPostcode',
  'shippingZoneName',
  'shippingCountryName',
  'shippingAddressFormat',
  'shippingMethodName',
  'shippingMethodTaxRate',
  'shippingMethodTaxName',
  'shippingMethodExtension',
  'shippingReceivingPointId',
  'paymentFirstname',
  'paymentLastname',
  'paymentCompany',
  'paymentAddress1',
  'paymentAddress2',
  'paymentCity',
  'paymentPostcode',
  'paymentZoneName',
  'paymentCountryName',
  'paymentAddressFormat',
  'paymentMethodName',
  'paymentMethodCode',
  'paymentMethodTaxRate',
  'paymentMethodTaxName',
  'paymentMethodAfter',
] as const;

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** Amounts in the REST API carry four decimals: "3990.0000". */
function amount(value: unknown): string {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(4) : '0.0000';
}

function currencyLink(code: string, link: (path: string) => { href: string }): { href: string } | null {
  const id = currencyIdFor(code);
  return id === undefined ? null : link(`currencies/${id}`);
}

/**
 * An order as `GET /orders/{id}` returns it (contracts fixtures/shoprenter/api/order/response_json_get_id.json): flat
 * string fields plus links to the resources the order points at.
 */
export function renderOrder(stored: StoredOrder, apiBase: string): Record<string, unknown> {
  const item = stored.item as Item;
  const innerId = text(item.innerId);
  const id = orderIdFor(innerId);
  const link = (path: string) => ({ href: `${apiBase}/${path}` });
  const history = (item.orderHistory ?? {}) as Item;
  const languageId = text(item.languageId) || '1';
  // One source of truth: the shipping mode the delivery's `shippingInnerResourceId` names.
  const mode = shippingModeInnerId(item);
  const order: Record<string, unknown> = {
    href: `${apiBase}/orders/${id}`,
    id,
    innerId,
    invoiceId: '0',
    invoicePrefix: '',
  };
  for (const field of SHARED_FIELDS) order[field] = text(item[field]);
  Object.assign(order, {
    taxNumber: text(item.paymentTaxnumber),
    comment: text(item.comment),
    total: amount(item.totalGross ?? item.total),
    value: '1.00000000',
    couponTaxRate: '-1.0000',
    dateCreated: shopApiDateTime(new Date(stored.createdAt)),
    dateUpdated: shopApiDateTime(new Date(stored.updatedAt)),
    ip: '127.0.0.1',
    pickPackPontShopCode: '',
    loyaltyPointsTaxRate: '-1.0000',
    customer: null,
    customerGroup: link(`customerGroups/${linkedResourceId('customerGroup-customer_group_id=', 8)}`),
    shippingZone: null,
    shippingCountry: link(
      `countries/${linkedResourceId('country-country_id=', text(item.shippingCountryId) || 97)}`,
    ),
    paymentZone: null,
    paymentCountry: link(
      `countries/${linkedResourceId('country-country_id=', text(item.paymentCountryId) || 97)}`,
    ),
    // "Order status link. If there is no status, the order is not completed." (sr-api-docs
    // `fixtures/api/order/data.json`): an abandoned cart (`orderStatusId` 0) has none.
    orderStatus:
      text(history.status) === ABANDONED_CART_STATUS.status
        ? null
        : link(
            `orderStatuses/${linkedResourceId('orderStatus-order_status_id=', text(history.status) || '1')}`,
          ),
    language: link(`languages/${linkedResourceId('language-language_id=', languageId)}`),
    // The currency whose code the order's deliveries carry (`currency`), null for one the shop does not know.
    currency: currencyLink(text(item.currency) || 'HUF', link),
    shippingMode:
      mode === undefined ? null : link(`shippingModes/${linkedResourceId('shippingMode-id=', mode)}`),
    orderTotals: link(`orderTotals?orderId=${id}`),
    orderProducts: link(`orderProducts?orderId=${id}`),
    orderGiftWrappings: link(`orderGiftWrappings?orderId=${id}`),
    orderProductAddons: link(`orderProductAddons?orderId=${id}`),
    externalInfo: {},
  });
  return order;
}
