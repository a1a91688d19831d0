import {
  innerErrorText,
  type OrderItem,
  OrderItemSchema,
  orderIdFor,
  type Subscriber,
  SubscriberSchema,
  sampleOrder,
  sampleSubscriber,
  type WebhookEvent,
} from '@srhooks/contracts';
import { ABANDONED_CART_STATUS, DEFAULT_ORDER_STATUS_TEXTS } from '../assumptions.js';
import { SandboxApiError, SandboxNotFoundError } from '../errors.js';
import { linkedResourceId } from '../resources/resource-ids.js';
import { orderByInnerId } from '../state/order-index.js';
import type { SandboxState, ShopRuntime } from '../state/sandbox-state.js';
import type { StoredOrder, WireItem } from '../state/shop-data.js';
import type { DeliveryAttempt } from './delivery-attempt.js';
import { addSelectableFields, defaultFieldSet } from './order-extras.js';
import { historyOf, recordStatus } from './order-history.js';
import { shopDateTime } from './shop-time.js';
import { toWireOrder, toWireSubscriber } from './wire-format.js';

export interface OrderInput {
  /** Deterministic sample data from this seed (default: the new order's inner id). */
  seed?: number | string;
  /** Fields that replace the sample's (shallow; numbers or numeric strings alike). */
  order?: Partial<OrderItem> | Record<string, unknown>;
}

export interface SubscriberInput {
  seed?: number | string;
  subscriber?: Partial<Subscriber> | Record<string, unknown>;
}

/** Which subscriber an unsubscribe/update is about: by id or e-mail; the newest one when neither is given. */
export interface SubscriberSelector {
  id?: string;
  email?: string;
  /** Unsubscribe only: when the shop has no subscriber yet, one is created from this seed first. */
  seed?: number | string;
  /** Update only: fields that replace the subscriber's. */
  subscriber?: Partial<Subscriber> | Record<string, unknown>;
}

/**
 * The order in decoded form, as a receiver decodes a delivery without `fields` (the default set;
 * `orders(shop)` has every selectable field too), and the deliveries the event scheduled.
 */
export interface OrderEventResult {
  order: OrderItem;
  deliveries: DeliveryAttempt[];
}

export interface SubscriberEventResult {
  subscriber: Subscriber;
  deliveries: DeliveryAttempt[];
}

/** Makes shop events happen; every event is delivered to the shop's matching subscriptions. */
export interface OrderSimulator {
  placeOrder(shop: string, input?: OrderInput): Promise<OrderEventResult>;
  /**
   * Gives the order a new status: `order_status_change`; for an abandoned cart (no status yet) its first
   * status completes it: `order_confirm` (assumed, A42).
   */
  changeStatus(
    shop: string,
    orderInnerId: string,
    status: string,
    statusText?: string,
  ): Promise<OrderEventResult>;
  abandonCart(shop: string, input?: OrderInput): Promise<OrderEventResult>;
  subscribe(shop: string, input?: SubscriberInput): Promise<SubscriberEventResult>;
  unsubscribe(shop: string, input?: SubscriberSelector): Promise<SubscriberEventResult>;
  updateSubscriber(shop: string, input?: SubscriberSelector): Promise<SubscriberEventResult>;
  /**
   * Orders the simulator created in the shop (placed and abandoned), oldest first, decoded, with
   * every field a subscription may select (not only the default set).
   */
  orders(shop: string): OrderItem[];
  subscribers(shop: string): Subscriber[];
  /** Every delivery attempt recorded for the shop, oldest first (copies). */
  deliveries(shop: string): DeliveryAttempt[];
  /** Resolves when no delivery is scheduled or in flight (delayed ones included). */
  waitForIdle(): Promise<void>;
  /**
   * The `late-deliver` fault at once: every failed delivery (of `event`, when given) not yet
   * late-delivered is sent once more, same document, as a new delivery record.
   */
  lateDeliver(shop: string, options?: { event?: string }): DeliveryAttempt[];
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isObject(value: unknown): value is WireItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodedOrder(item: WireItem): OrderItem {
  return OrderItemSchema.parse(clone(item));
}

function decodedSubscriber(item: WireItem): Subscriber {
  return SubscriberSchema.parse(clone(item));
}

/** The order statuses a sandbox shop has: ShopRenter's defaults and the abandoned cart's. */
const KNOWN_ORDER_STATUSES: Record<string, string> = {
  [ABANDONED_CART_STATUS.status]: ABANDONED_CART_STATUS.statusText,
  ...DEFAULT_ORDER_STATUS_TEXTS,
};

/** An address with one `@`, something before it and a dotted domain after it, no spaces. */
function isEmailAddress(value: unknown): boolean {
  return typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function wrongData(message: string): SandboxApiError {
  return new SandboxApiError(400, 40005, 'wrong_data', message);
}

/**
 * Fields given for an order or subscriber must fit the delivery's shape (contracts' schemas), or
 * the request is refused before anything is stored: 400 naming the field and what it expects.
 */
interface ItemSchema {
  safeParse(
    value: unknown,
  ):
    | { success: true }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

function checkShape(what: string, schema: ItemSchema, given: WireItem): void {
  const parsed = schema.safeParse(clone(given));
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const path = [what, ...(issue?.path ?? []).map(String)].join('.');
  throw wrongData(`Wrong data in '${path}': ${issue?.message ?? 'not accepted'}.`);
}

export class ShopSimulator implements OrderSimulator {
  constructor(private readonly state: SandboxState) {}

  async placeOrder(shop: string, input: OrderInput = {}): Promise<OrderEventResult> {
    return this.createOrder(shop, input, 'order_confirm');
  }

  async abandonCart(shop: string, input: OrderInput = {}): Promise<OrderEventResult> {
    return this.createOrder(shop, input, 'abandoned_cart');
  }

  async changeStatus(
    shop: string,
    orderInnerId: string,
    status: string,
    statusText?: string,
  ): Promise<OrderEventResult> {
    const runtime = this.state.shop(shop);
    if (typeof status !== 'string' || !/^[0-9]{1,6}$/.test(status)) {
      throw wrongData(
        `Wrong data in 'status': ${JSON.stringify(status)}; use an order status id such as "2".`,
      );
    }
    // A status the shop does not have (its statuses: assumptions.ts) would be delivered as if it did;
    // one of the caller's own is accepted with its name (statusText), as a shop's custom status.
    if (statusText === undefined && !Object.hasOwn(KNOWN_ORDER_STATUSES, status)) {
      const known = Object.entries(KNOWN_ORDER_STATUSES)
        .map(([id, text]) => `${id} (${text})`)
        .join(', ');
      throw new SandboxApiError(
        400,
        40005,
        'unknown_status',
        `Wrong data in 'status': ${JSON.stringify(status)}.`,
        {},
        `Shop ${runtime.seed.name} has no order status ${status}; its statuses are ${known}. For a status of your own, send its statusText too.`,
      );
    }
    const stored = orderByInnerId(runtime.data.orders, String(orderInnerId));
    if (!stored) {
      throw new SandboxNotFoundError(
        `Order ${orderInnerId}`,
        `Place an order first; list them with GET /${shop}/_sandbox/orders.`,
      );
    }
    const now = this.state.now();
    // An abandoned cart has no status (A39): its first one completes it, which the shop announces as
    // a new order, `order_confirm` (assumptions.ts [A42]); every later status is a status change.
    const completesCart = historyOf(stored).length === 0 && status !== ABANDONED_CART_STATUS.status;
    stored.item.orderHistory = {
      status,
      statusText: statusText ?? DEFAULT_ORDER_STATUS_TEXTS[status] ?? `Státusz ${status}`,
      comment: '',
      dateAdded: shopDateTime(now),
    };
    recordStatus(runtime.data, stored);
    stored.updatedAt = now.toISOString();
    const event = completesCart ? 'order_confirm' : 'order_status_change';
    const deliveries = this.emit(runtime, event, [stored.item]);
    return { order: decodedOrder(defaultFieldSet(stored.item)), deliveries };
  }

  async subscribe(shop: string, input: SubscriberInput = {}): Promise<SubscriberEventResult> {
    const runtime = this.state.shop(shop);
    const subscriber = this.newSubscriber(runtime, input);
    const deliveries = this.emit(runtime, 'newsletter_subscribe', [subscriber]);
    return { subscriber: decodedSubscriber(subscriber), deliveries };
  }

  async unsubscribe(shop: string, input: SubscriberSelector = {}): Promise<SubscriberEventResult> {
    const runtime = this.state.shop(shop);
    if (input.id === undefined && input.email === undefined && runtime.data.subscribers.length === 0) {
      // nobody to unsubscribe: inventing one would deliver an unsubscribe for someone who never subscribed
      throw new SandboxApiError(
        404,
        40401,
        'no_subscriber',
        innerErrorText(40401, { resource: 'Subscriber' }),
        {},
        `No subscriber to unsubscribe: shop ${runtime.seed.name} has none. Subscribe one first (POST /${runtime.seed.name}/_sandbox/subscribers).`,
      );
    }
    const subscriber = this.findSubscriber(runtime, input);
    subscriber.status = 0;
    this.noteSubscriberChanged(runtime, subscriber);
    const deliveries = this.emit(runtime, 'newsletter_unsubscribe', [subscriber]);
    return { subscriber: decodedSubscriber(subscriber), deliveries };
  }

  async updateSubscriber(shop: string, input: SubscriberSelector = {}): Promise<SubscriberEventResult> {
    const runtime = this.state.shop(shop);
    const subscriber = this.findSubscriber(runtime, input);
    const { id: _id, ...changes } = (input.subscriber ?? {}) as WireItem;
    checkShape('subscriber', SubscriberSchema, { ...subscriber, ...changes });
    Object.assign(subscriber, changes);
    this.noteSubscriberChanged(runtime, subscriber);
    const deliveries = this.emit(runtime, 'newsletter_update_subscriber', [subscriber]);
    return { subscriber: decodedSubscriber(subscriber), deliveries };
  }

  orders(shop: string): OrderItem[] {
    return this.state.shop(shop).data.orders.map((o) => decodedOrder(o.item));
  }

  subscribers(shop: string): Subscriber[] {
    return this.state.shop(shop).data.subscribers.map(decodedSubscriber);
  }

  deliveries(shop: string): DeliveryAttempt[] {
    return this.state.shop(shop).data.deliveries.map((d) => ({ ...d }));
  }

  waitForIdle(): Promise<void> {
    return this.state.dispatcher.waitForIdle();
  }

  lateDeliver(shop: string, options: { event?: string } = {}): DeliveryAttempt[] {
    const data = this.state.shop(shop).data;
    const repeated = new Set(data.deliveries.map((d) => d.lateOf).filter((id) => id !== undefined));
    const failed = data.deliveries.filter(
      (d) =>
        d.state === 'failed' &&
        d.lateOf === undefined &&
        !repeated.has(d.id) &&
        (options.event === undefined || d.event === options.event),
    );
    return failed.map((attempt) => this.state.dispatcher.redeliver(data, attempt));
  }

  private emit(runtime: ShopRuntime, event: WebhookEvent, items: WireItem[]): DeliveryAttempt[] {
    const deliveries = this.state.dispatcher.dispatch(
      runtime.seed.name,
      runtime.data,
      event,
      items.map(clone),
    );
    this.state.changed();
    return deliveries;
  }

  private createOrder(
    shop: string,
    input: OrderInput,
    event: 'order_confirm' | 'abandoned_cart',
  ): OrderEventResult {
    const runtime = this.state.shop(shop);
    const data = runtime.data;
    const given = (input.order ?? {}) as WireItem;
    if (!isObject(given)) throw wrongData("Wrong data in 'order': expected an object.");
    checkShape('order', OrderItemSchema, given);
    const innerId = given.innerId === undefined ? String(data.nextOrderId) : String(given.innerId);
    if (!/^[1-9][0-9]{0,15}$/.test(innerId)) {
      throw wrongData(
        `Wrong data in 'order.innerId': ${JSON.stringify(given.innerId)} is not a positive whole number.`,
      );
    }
    if (orderByInnerId(data.orders, innerId)) {
      throw new SandboxApiError(
        409,
        40901,
        'resource_exists',
        `Order ${innerId} already exists; leave innerId out to get the next free one.`,
      );
    }
    data.nextOrderId = Math.max(data.nextOrderId, Number(innerId) + 1);
    const now = this.state.now();
    const sample = toWireOrder(clone(sampleOrder(input.seed ?? innerId)) as WireItem);
    this.renumberProducts(runtime, sample);
    const history =
      event === 'abandoned_cart'
        ? ABANDONED_CART_STATUS
        : { status: '1', statusText: DEFAULT_ORDER_STATUS_TEXTS['1'] ?? 'Függőben' };
    const item: WireItem = {
      ...sample,
      storeName: shop,
      innerId,
      innerResourceId: `orders/${orderIdFor(innerId)}`,
      orderHistory: { ...history, comment: '', dateAdded: shopDateTime(now) },
      ...given,
    };
    addSelectableFields(item, {
      now,
      abandoned: event === 'abandoned_cart',
      subscribed: this.isSubscribed(runtime, item.email),
    });
    Object.assign(item, given);
    item.innerId = innerId;
    const stored: StoredOrder = { item, createdAt: now.toISOString(), updatedAt: now.toISOString() };
    recordStatus(data, stored);
    data.orders.push(stored);
    const deliveries = this.emit(runtime, event, [item]);
    return { order: decodedOrder(defaultFieldSet(item)), deliveries };
  }

  private isSubscribed(runtime: ShopRuntime, email: unknown): boolean {
    const wanted = String(email ?? '').toLowerCase();
    return runtime.data.subscribers.some(
      (s) => String(s.email ?? '').toLowerCase() === wanted && String(s.status) === '1',
    );
  }

  /** Sample products get shop-unique inner ids, as rows of a real shop's order_product table do. */
  private renumberProducts(runtime: ShopRuntime, order: WireItem): void {
    const block = order.orderProducts;
    const list = isObject(block) ? block.orderProduct : undefined;
    const products = Array.isArray(list) ? list : isObject(list) ? [list] : [];
    for (const product of products) {
      if (!isObject(product)) continue;
      const id = runtime.data.nextOrderProductId++;
      product.innerId = String(id);
      product.innerResourceId = `orderProducts/${linkedResourceId('orderProduct-order_product_id=', id)}`;
    }
  }

  private newSubscriber(runtime: ShopRuntime, input: SubscriberInput): WireItem {
    const data = runtime.data;
    const id = String(data.nextSubscriberId++);
    const given = (input.subscriber ?? {}) as WireItem;
    if (!isObject(given)) throw wrongData("Wrong data in 'subscriber': expected an object.");
    checkShape('subscriber', SubscriberSchema, given);
    if (given.email !== undefined && !isEmailAddress(given.email)) {
      throw wrongData(
        `Wrong data in 'subscriber.email': ${JSON.stringify(given.email)} is not an e-mail address.`,
      );
    }
    const subscriber: WireItem = toWireSubscriber({
      ...(clone(sampleSubscriber(input.seed ?? id)) as WireItem),
      id,
      status: 1,
      subscribe_date: shopDateTime(this.state.now()),
      ...given,
    });
    subscriber.id = id;
    data.subscribers.push(subscriber);
    return subscriber;
  }

  /** Stamps the subscriber's `dateUpdated` (the API's) with the shop's clock. */
  private noteSubscriberChanged(runtime: ShopRuntime, subscriber: WireItem): void {
    runtime.data.subscriberUpdatedAt[String(subscriber.id)] = shopDateTime(this.state.now());
  }

  private findSubscriber(runtime: ShopRuntime, selector: SubscriberSelector): WireItem {
    const list = runtime.data.subscribers;
    let found: WireItem | undefined;
    if (selector.id !== undefined) found = list.find((s) => String(s.id) === String(selector.id));
    else if (selector.email !== undefined) {
      const email = selector.email.toLowerCase();
      found = list.find((s) => String(s.email ?? '').toLowerCase() === email);
    } else found = list.at(-1);
    if (!found && list.length > 0 && (selector.id !== undefined || selector.email !== undefined)) {
      // the shop has subscribers, just not this one: "subscribe someone first" would be wrong advice
      // (the address asked for is not echoed back: personal data)
      const which =
        selector.id !== undefined
          ? `Subscriber ${selector.id} not found`
          : 'No subscriber with that e-mail address';
      const shop = runtime.seed.name;
      throw new SandboxApiError(
        404,
        40401,
        'not_found',
        innerErrorText(40401, { resource: 'Subscriber' }),
        {},
        `${which} on shop ${shop} (it has ${list.length}). List them with GET /${shop}/_sandbox/subscribers, or subscribe that one first (POST /${shop}/_sandbox/subscribers).`,
      );
    }
    if (!found) {
      const which =
        selector.id !== undefined
          ? `Subscriber ${selector.id}`
          : selector.email !== undefined
            ? 'A subscriber with that e-mail address'
            : 'Any subscriber';
      throw new SandboxNotFoundError(
        which,
        `Subscribe someone first (POST /${runtime.seed.name}/_sandbox/subscribers).`,
      );
    }
    return found;
  }
}
