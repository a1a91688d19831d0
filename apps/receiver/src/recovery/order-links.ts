/**
 * What a recovered order gets from the resources it links to, read only for the orders whose events a
 * pass stores (none the store already has):
 * - its products, as the delivery carries them (`orderProducts.orderProduct[]`): one `POST /batch` of
 *   `GET /orderProducts?orderId=` per 200 orders (item fields assumed the delivery's, contracts' A52).
 *   A failed read fails the pass (retried as any failed pass): an order is never stored without them.
 * - its currency's code, the delivery's order-level `currency` (`HUF`): `GET /currencies/{id}` of its
 *   `currency` link, once per pass and currency (the code assumed in field `code`, A53). The scope that
 *   read needs is not documented: a refused read (401/403) leaves the code out of the pass's orders,
 *   with one warn line, rather than stopping recovery for a scope the shop may not grant; any other
 *   failure fails the pass.
 */
import { type ShopRenterClient, ShopRenterError } from '@srhooks/client';
import {
  currencyCodeOf,
  currencyIdOfOrder,
  type Order,
  type OrderHistoryEntry,
  recoverOrderEvents,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { NewEvent } from '../store/store.js';

export interface OrderLinksDeps {
  client: ShopRenterClient;
  shop: string;
  /** The events the pass derives. */
  events: ReadonlySet<WebhookEvent>;
  signal?: AbortSignal;
  logger?: { warn(details: Record<string, unknown>, message: string): void };
}

/** One pass's reader: remembers each currency's code (or its refusal) for the rest of the pass. */
export function orderLinks(deps: OrderLinksDeps) {
  const call = deps.signal ? { signal: deps.signal } : {};
  /** Currency id → its code; null: the read was refused (the code is left out). */
  const currencies = new Map<string, string | null>();

  async function currencyCode(order: Order): Promise<string | undefined> {
    const id = currencyIdOfOrder(order);
    if (id === undefined) return undefined;
    if (!currencies.has(id)) {
      try {
        const currency = await deps.client.orders.currency(id, call);
        currencies.set(id, currencyCodeOf(currency) ?? null);
      } catch (error) {
        if (
          !(error instanceof ShopRenterError && (error.code === 'unauthorized' || error.code === 'forbidden'))
        )
          throw error;
        currencies.set(id, null);
        deps.logger?.warn(
          { code: 'recovery_currency_unreadable', recovery: { shop: deps.shop, currencyId: id } },
          `the shop refused to read currency ${id} (${error.code}): recovered orders in it are stored without their currency code; the scope this read needs is not documented (contracts' A53)`,
        );
      }
    }
    return currencies.get(id) ?? undefined;
  }

  /**
   * Gives each event about to be stored (`fresh`, items of `orders`) its final payload: the order with
   * its products and currency code. Throws (nothing stored) when a read fails.
   */
  async function complete(
    orders: readonly Order[],
    histories: ReadonlyMap<string, OrderHistoryEntry[]>,
    fresh: readonly { event: WebhookEvent; item: NewEvent }[],
  ): Promise<void> {
    const byInnerId = new Map(orders.map((order) => [order.innerId, order]));
    const storing = [...new Set(fresh.map(({ item }) => item.subjectId ?? ''))]
      .map((innerId) => byInnerId.get(innerId))
      .filter((order): order is Order => order !== undefined);
    const products = await deps.client.orders.productsOf(
      storing.map((order) => order.id),
      call,
    );
    const payloads = new Map<string, unknown>();
    for (const order of storing) {
      const code = await currencyCode(order);
      const linked = {
        products: products.get(order.id) ?? [],
        ...(code === undefined ? {} : { currencyCode: code }),
      };
      for (const found of recoverOrderEvents(deps.shop, order, histories.get(order.id), deps.events, linked))
        payloads.set(`${found.event} ${found.dedupeKey}`, found.item);
    }
    for (const { event, item } of fresh) {
      const payload = payloads.get(`${event} ${item.dedupeKey}`);
      if (payload === undefined)
        throw new Error(
          `recovery: no products read for ${event} ${item.dedupeKey} (order ${item.subjectId})`,
        );
      item.payload = payload;
    }
  }

  return { complete };
}
