export { ID_PREFIX, innerIdOfLink, innerIdOfResourceId } from './linked-id.js';
export {
  ABANDONED_CART_STATUS_ID,
  type RecoveredOrderEvent,
  recoverOrderEvents,
  statusesFromHistory,
} from './recovered-events.js';
export {
  CURRENCY_CODE_FIELD,
  currencyCodeOf,
  currencyIdOfOrder,
  currentOrderStatus,
  ORDER_FIELD_MAP,
  type OrderLinked,
  orderItemFromApi,
  orderProductsFromApi,
  type RecoveredStatus,
} from './recovered-order.js';
export {
  type RecoveredSubscriberEvent,
  recoverSubscriberEvents,
  SUBSCRIBER_FIELD_MAP,
  subscriberItemFromApi,
} from './recovered-subscriber.js';
export {
  parseShopDateTime,
  SHOP_TIME_ZONE,
  shopApiDateTime,
  shopApiDateTimeFloor,
  shopDateTime,
} from './shop-time.js';
