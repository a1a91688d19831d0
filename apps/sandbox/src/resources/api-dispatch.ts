import { SCOPES } from '@srhooks/contracts';
import { EMPTY_BODY_ANSWER } from '../assumptions.js';
import { requireScope } from '../auth/authenticate.js';
import { apiErrors } from '../errors.js';
import type { ApiCall, ApiContext, ApiResult } from './api-context.js';
import { getSubscriber, listSubscribers } from './newsletter/subscriber-handlers.js';
import { getCurrency, listCurrencies } from './orders/currency-handlers.js';
import { getOrder, listOrders } from './orders/order-handlers.js';
import { getOrderHistory, listOrderHistories } from './orders/order-history-handlers.js';
import { getOrderProduct, listOrderProducts } from './orders/order-product-handlers.js';
import { SEARCH_PARAMETERS } from './orders/order-search.js';
import { PAGE_PARAMETERS } from './paging.js';
import {
  createWebhook,
  createWebhookWithId,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  updateWebhook,
} from './webhooks/webhook-handlers.js';

interface Route {
  /** The scope the token needs; null: any valid token (a scope the documentation does not give). */
  scope: string | null;
  handle: (ctx: ApiContext, call: ApiCall, id: string) => ApiResult;
  /** A collection GET's documented search parameters, beside `page`, `limit` and `full`. */
  search?: readonly string[];
}

type RouteTable = Record<string, { collection: Record<string, Route>; item: Record<string, Route> }>;

/** Resources the sandbox serves, by name, with the scope each method needs (FACTS.md §1). */
const ROUTES: RouteTable = {
  webHooks: {
    collection: {
      GET: { scope: SCOPES.webhookRead, handle: (ctx, call) => listWebhooks(ctx, call.query), search: [] },
      POST: { scope: SCOPES.webhookWrite, handle: (ctx, call) => createWebhook(ctx, call.body) },
    },
    item: {
      GET: { scope: SCOPES.webhookRead, handle: (ctx, _call, id) => getWebhook(ctx, id) },
      POST: {
        scope: SCOPES.webhookWrite,
        handle: (ctx, call, id) => createWebhookWithId(ctx, id, call.body),
      },
      PUT: { scope: SCOPES.webhookWrite, handle: (ctx, call, id) => updateWebhook(ctx, id, call.body) },
      DELETE: { scope: SCOPES.webhookWrite, handle: (ctx, _call, id) => deleteWebhook(ctx, id) },
    },
  },
  orders: {
    collection: {
      GET: {
        scope: SCOPES.orderRead,
        handle: (ctx, call) => listOrders(ctx, call.query),
        search: SEARCH_PARAMETERS,
      },
    },
    item: { GET: { scope: SCOPES.orderRead, handle: (ctx, _call, id) => getOrder(ctx, id) } },
  },
  orderHistories: {
    collection: {
      GET: {
        scope: SCOPES.orderRead,
        handle: (ctx, call) => listOrderHistories(ctx, call.query),
        search: ['orderId'],
      },
    },
    item: { GET: { scope: SCOPES.orderRead, handle: (ctx, _call, id) => getOrderHistory(ctx, id) } },
  },
  // Not in the documented scope table: assumed to need the order's own scope (contracts' A52).
  orderProducts: {
    collection: {
      GET: {
        scope: SCOPES.orderRead,
        handle: (ctx, call) => listOrderProducts(ctx, call.query),
        search: ['orderId'],
      },
    },
    item: { GET: { scope: SCOPES.orderRead, handle: (ctx, _call, id) => getOrderProduct(ctx, id) } },
  },
  // The scope is not documented (contracts' A53): any valid token reads the shop's currencies.
  currencies: {
    collection: { GET: { scope: null, handle: (ctx, call) => listCurrencies(ctx, call.query), search: [] } },
    item: { GET: { scope: null, handle: (ctx, _call, id) => getCurrency(ctx, id) } },
  },
  newsletterSubscribers: {
    collection: {
      GET: {
        scope: SCOPES.newsletterRead,
        handle: (ctx, call) => listSubscribers(ctx, call.query),
        search: ['email', 'status', 'subscribedAt'],
      },
    },
    item: { GET: { scope: SCOPES.newsletterRead, handle: (ctx, _call, id) => getSubscriber(ctx, id) } },
  },
};

/** Answers one API call (`/webHooks…`, `/orders…`); `batch` is handled by the caller. */
export function dispatchApiCall(ctx: ApiContext, call: ApiCall): ApiResult {
  const segments = call.path.split('/').filter((s) => s !== '');
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw apiErrors.noResource(
      call.path,
      `No resource at '${call.path}': the path is not valid percent-encoding.`,
    );
  }
  const [resource, id, ...rest] = decoded;
  const table = resource === undefined ? undefined : ROUTES[resource];
  if (!table || rest.length > 0) {
    throw apiErrors.noResource(
      call.path,
      `No resource at '${call.path}': the sandbox serves ${Object.keys(ROUTES).join(', ')} and batch.`,
    );
  }
  const methods = id === undefined ? table.collection : table.item;
  const route = methods[call.method];
  if (!route) throw apiErrors.methodNotAllowed(call.method, call.path, Object.keys(methods));
  if (route.scope !== null) requireScope(ctx.principal, route.scope);
  if (route.search !== undefined) checkCollectionQuery(resource as string, call.query, route.search);
  const result = route.handle(ctx, call, id ?? '');
  const emptyBody = call.query.emptyBody === '1' || call.query.emptyBody === 'true';
  if (emptyBody && (call.method === 'POST' || call.method === 'PUT')) {
    return { status: result.status, body: EMPTY_BODY_ANSWER };
  }
  return result;
}

/**
 * [A48] A collection GET with a query parameter it does not take (neither `page`, `limit`, `full` nor
 * one of its documented search parameters) → 40010 "The given parameter: {parameter} is not
 * available!", so that a misspelt or undocumented filter is not answered with the whole collection.
 */
function checkCollectionQuery(
  resource: string,
  query: Record<string, unknown>,
  search: readonly string[],
): void {
  const accepted = [...PAGE_PARAMETERS, ...search];
  const unknown = Object.keys(query).find((name) => !accepted.includes(name));
  if (unknown !== undefined) throw apiErrors.parameterNotAvailable(unknown, resource, accepted);
}
