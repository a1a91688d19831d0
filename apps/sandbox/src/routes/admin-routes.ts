import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_BODY_BYTES } from '../assumptions.js';
import { apiErrors } from '../errors.js';
import { parseJsonBody } from '../http/request-body.js';
import type { OrderInput, SubscriberInput, SubscriberSelector } from '../simulator/shop-simulator.js';
import type { SandboxState } from '../state/sandbox-state.js';

type Json = Record<string, unknown>;
type ShopRequest = FastifyRequest<{ Params: { shop: string } & Record<string, string>; Querystring: Json }>;

function body(request: FastifyRequest): Json {
  const parsed = parseJsonBody(request.body, request.headers['content-type'], MAX_BODY_BYTES);
  if (parsed === undefined) return {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw apiErrors.wrongData('The body must be a JSON object.');
  }
  return parsed as Json;
}

function optionalSeed(value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'string') return value;
  throw apiErrors.wrongData("Wrong data in 'seed': use a number or a string.");
}

function optionalObject(value: unknown, name: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Json;
  throw apiErrors.wrongData(`Wrong data in '${name}': expected a JSON object.`);
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw apiErrors.wrongData(`Wrong data in '${name}': expected a string.`);
}

function orderInput(input: Json): OrderInput {
  const seed = optionalSeed(input.seed);
  const order = optionalObject(input.order, 'order');
  return { ...(seed === undefined ? {} : { seed }), ...(order ? { order } : {}) };
}

function selector(input: Json, id: string | undefined): SubscriberSelector {
  const chosenId = id ?? optionalText(input.id, 'id');
  const email = optionalText(input.email, 'email');
  const seed = optionalSeed(input.seed);
  const subscriber = optionalObject(input.subscriber, 'subscriber');
  return {
    ...(chosenId === undefined ? {} : { id: chosenId }),
    ...(email === undefined ? {} : { email }),
    ...(seed === undefined ? {} : { seed }),
    ...(subscriber ? { subscriber } : {}),
  };
}

/**
 * `/{shop}/_sandbox/…`: the simulator and inspection routes (no auth, JSON only). They are the
 * sandbox's own, not ShopRenter's, and are not rate limited.
 */
export function registerAdminRoutes(app: FastifyInstance, state: SandboxState): void {
  const sim = state.simulator;

  app.get('/_sandbox/shops', async () => ({
    shops: state.shopNames().map((name) => ({ name, requests: state.requestCount(name) })),
  }));

  app.get('/_sandbox/idle', async (request: FastifyRequest<{ Querystring: Json }>) => {
    const timeoutMs = Math.min(Number(request.query.timeoutMs ?? 30_000) || 30_000, 600_000);
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      sim.waitForIdle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return { idle, pending: state.dispatcher.pending() };
  });

  app.get('/:shop/_sandbox/orders', async (request: ShopRequest) => ({
    orders: sim.orders(request.params.shop),
  }));

  app.post('/:shop/_sandbox/orders', async (request: ShopRequest, reply) => {
    const result = await sim.placeOrder(request.params.shop, orderInput(body(request)));
    return reply.code(201).send(result);
  });

  app.post('/:shop/_sandbox/orders/:innerId/status', async (request: ShopRequest) => {
    const input = body(request);
    const status = optionalText(input.status, 'status');
    if (status === undefined) throw apiErrors.requiredMissing(['status']);
    const statusText = optionalText(input.statusText, 'statusText');
    return sim.changeStatus(request.params.shop, request.params.innerId ?? '', status, statusText);
  });

  app.post('/:shop/_sandbox/abandoned-carts', async (request: ShopRequest, reply) => {
    const result = await sim.abandonCart(request.params.shop, orderInput(body(request)));
    return reply.code(201).send(result);
  });

  app.get('/:shop/_sandbox/subscribers', async (request: ShopRequest) => ({
    subscribers: sim.subscribers(request.params.shop),
  }));

  app.post('/:shop/_sandbox/subscribers', async (request: ShopRequest, reply) => {
    const input = body(request);
    const seed = optionalSeed(input.seed);
    const subscriber = optionalObject(input.subscriber, 'subscriber');
    const subscribeInput: SubscriberInput = {
      ...(seed === undefined ? {} : { seed }),
      ...(subscriber ? { subscriber } : {}),
    };
    return reply.code(201).send(await sim.subscribe(request.params.shop, subscribeInput));
  });

  app.post('/:shop/_sandbox/subscribers/unsubscribe', async (request: ShopRequest) =>
    sim.unsubscribe(request.params.shop, selector(body(request), undefined)),
  );

  app.post('/:shop/_sandbox/subscribers/:id/unsubscribe', async (request: ShopRequest) =>
    sim.unsubscribe(request.params.shop, selector(body(request), request.params.id)),
  );

  app.post('/:shop/_sandbox/subscribers/update', async (request: ShopRequest) =>
    sim.updateSubscriber(request.params.shop, selector(body(request), undefined)),
  );

  app.put('/:shop/_sandbox/subscribers/:id', async (request: ShopRequest) =>
    sim.updateSubscriber(request.params.shop, selector(body(request), request.params.id)),
  );

  app.get('/:shop/_sandbox/deliveries', async (request: ShopRequest) => {
    const { event, state: deliveryState } = request.query;
    const deliveries = sim
      .deliveries(request.params.shop)
      .filter(
        (d) =>
          (event === undefined || d.event === event) &&
          (deliveryState === undefined || d.state === deliveryState),
      );
    return { deliveries };
  });

  app.post('/:shop/_sandbox/late-deliver', async (request: ShopRequest) => {
    const event = optionalText(body(request).event, 'event');
    return { deliveries: sim.lateDeliver(request.params.shop, event === undefined ? {} : { event }) };
  });

  app.get('/:shop/_sandbox/faults', async (request: ShopRequest) => ({
    faults: state.shop(request.params.shop).faults,
  }));

  app.put('/:shop/_sandbox/faults', async (request: ShopRequest) => {
    state.setFaults(request.params.shop, body(request));
    return { faults: state.shop(request.params.shop).faults };
  });

  app.post('/:shop/_sandbox/tokens/revoke', async (request: ShopRequest) => ({
    revoked: state.revokeTokens(request.params.shop),
  }));

  app.get('/:shop/_sandbox/order-list', async (request: ShopRequest) => ({
    orderList: state.shop(request.params.shop).orderList,
  }));

  app.put('/:shop/_sandbox/order-list', async (request: ShopRequest) => ({
    orderList: state.setOrderList(request.params.shop, body(request)),
  }));

  app.get('/:shop/_sandbox/requests', async (request: ShopRequest) =>
    state.requestCount(request.params.shop),
  );
}
