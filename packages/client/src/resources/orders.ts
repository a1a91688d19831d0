import { type Order, OrderSchema } from '@srhooks/contracts';
import { parseBody, unwrap } from '../http/api-call.js';
import type { ResourceContext } from './context.js';
import { resourceId } from './resource-id.js';

export interface OrdersResource {
  /** One order by id, by resource path (`orders/b3JkZXI…`, a delivery's `innerResourceId`) or href. */
  get(idOrResourcePath: string): Promise<Order>;
}

export function createOrdersResource({ api, apiBase }: ResourceContext): OrdersResource {
  return {
    async get(idOrResourcePath) {
      const id = resourceId(idOrResourcePath, 'orders', 'idOrResourcePath');
      const url = `${apiBase}/orders/${id}`;
      const result = await api.GET('/orders/{id}', { params: { path: { id } } });
      const body = unwrap(result, { method: 'GET', url });
      return parseBody(OrderSchema, body, { method: 'GET', url, status: result.response.status });
    },
  };
}
