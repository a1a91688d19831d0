/**
 * Typed handlers for a `module` handler file:
 *
 * ```ts
 * import { defineHandlers } from '@srhooks/receiver';
 * export default defineHandlers({
 *   order_confirm: async (event, ctx) => {
 *     // event.order is an OrderItem; ctx.jobId is stable across retries (use it as an idempotency key)
 *   },
 * });
 * ```
 *
 * A handler that returns normally is done; one that throws is retried per the handler's retry schedule.
 */
import type { ShopRenterClient } from '@srhooks/client';
import {
  APP_EVENTS,
  type NewsletterEvent,
  type OrderEvent,
  type OrderItem,
  type Subscriber,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts';
import { meantName } from '@srhooks/contracts/meant-name';
import type { Logger } from 'pino';
import type {
  AppUninstalledHandlerEvent,
  PaymentCardChangeHandlerEvent,
  PaymentStatusHandlerEvent,
} from './app-handler-event.js';

interface HandlerEventBase<E extends WebhookEvent> {
  /** Discriminant: `switch (event.event)` narrows to the order or subscriber shape. */
  event: E;
  shop: string;
  /** The receiver's event id (one per order / subscriber in a delivery). */
  eventId: string;
  deliveryId: string;
  receivedAt: Date;
  dedupeKey: string;
  /** Order innerId or subscriber id. */
  subjectId: string | null;
  /** Result of the optional `verify` step. */
  verification: 'unverified' | 'verified' | 'mismatched';
  /**
   * `webhook`: delivered by the shop; `recovery`: read back from the shop's API after a missed delivery.
   * A recovered order carries only what the API's order list has: no `orderProducts`, `currency`, net
   * `total`, shipping and payment prices or status text (absent, never invented; `@srhooks/client` has
   * no call that reads an order's products). A handler that needs them must not take it for an empty
   * order: hold it for a person (e.g. throw NonRetryableError: a dead letter to look at). A real delivery
   * arriving later is a duplicate and reaches no handler.
   */
  source: 'webhook' | 'recovery';
}

export type OrderHandlerEvent<E extends OrderEvent = OrderEvent> = HandlerEventBase<E> & { order: OrderItem };
export type NewsletterHandlerEvent<E extends NewsletterEvent = NewsletterEvent> = HandlerEventBase<E> & {
  subscriber: Subscriber;
};

/** The event a handler for `E` receives; for the full union, a discriminated union on `event`. */
export type HandlerEvent<E extends WebhookEvent = WebhookEvent> = E extends OrderEvent
  ? OrderHandlerEvent<E>
  : E extends NewsletterEvent
    ? NewsletterHandlerEvent<E>
    : never;

export interface HandlerContext {
  /**
   * Stable across retries and replays: use it as the idempotency key of whatever the handler does.
   * It belongs to this store: a receiver on a new, empty store recovers recent orders as new jobs; to
   * act once per order whatever happens, key on `event.shop`, `event.event` and `event.dedupeKey`.
   */
  jobId: string;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  shop: string;
  /** pino child logger (bound to job, event and shop); never log e-mail addresses or phone numbers. */
  logger: Logger;
  /**
   * Aborted when the call's time limit (the handler's `timeoutMs`, default 30 s) passes, or when the
   * receiver shuts down without waiting for the call any longer. Pass it on (`fetch(url, { signal })`,
   * `signal.throwIfAborted()`) so the work stops: once it is aborted the attempt has already failed
   * (`handler_timeout`, retried per the schedule) and whatever the call does later is ignored.
   */
  signal: AbortSignal;
  /**
   * The typed ShopRenter client for this shop, created on first use. Throws ShopCredentialsMissingError
   * when the shop has no API credentials (`clientId`/`clientSecret` or `username`/`password`) in srhooks.config.json.
   */
  readonly client: ShopRenterClient;
}

export type EventHandler<E extends WebhookEvent = WebhookEvent> = (
  event: HandlerEvent<E>,
  ctx: HandlerContext,
) => unknown | Promise<unknown>;

/** One optional handler per event name (app mode adds `app_uninstalled`, `payment_status`, `payment_card_change`). */
export type EventHandlers = { [E in WebhookEvent]?: EventHandler<E> } & {
  app_uninstalled?: (event: AppUninstalledHandlerEvent, ctx: HandlerContext) => unknown | Promise<unknown>;
  payment_status?: (event: PaymentStatusHandlerEvent, ctx: HandlerContext) => unknown | Promise<unknown>;
  payment_card_change?: (
    event: PaymentCardChangeHandlerEvent,
    ctx: HandlerContext,
  ) => unknown | Promise<unknown>;
};

const BRAND = Symbol.for('srhooks.defineHandlers');

export type DefinedHandlers<H extends EventHandlers = EventHandlers> = Readonly<H> & {
  readonly [BRAND]: true;
};

/** Checks the handler map (unknown event names are a typo, so they throw) and marks it for the loader. */
export function defineHandlers<H extends EventHandlers>(handlers: H): DefinedHandlers<H> {
  assertEventHandlers(handlers, 'defineHandlers');
  return Object.freeze({ ...handlers, [BRAND]: true as const });
}

/** True for a value made by {@link defineHandlers} (in this copy of the package or another). */
export function isDefinedHandlers(value: unknown): value is DefinedHandlers {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Throws a TypeError naming the bad key unless `value` maps event names to functions. */
export function assertEventHandlers(value: unknown, where: string): asserts value is EventHandlers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${where} needs an object of handlers such as { order_confirm: async (event, ctx) => {…} }`,
    );
  }
  const known: readonly string[] = [...WEBHOOK_EVENTS, ...APP_EVENTS];
  for (const [key, handler] of Object.entries(value)) {
    if (!known.includes(key)) {
      const meant = meantName(key, known);
      throw new TypeError(
        `${where}: "${key}" is not a ShopRenter event${meant ? ` (did you mean "${meant}"?)` : ''}; use one of ${known.join(', ')}`,
      );
    }
    if (typeof handler !== 'function') {
      throw new TypeError(`${where}: the handler for "${key}" must be a function, got ${typeof handler}`);
    }
  }
}

/**
 * Throw this from a handler to give up at once (dead-letter, no retries), e.g. for an event the handler
 * can never process. Any other thrown error is retried per the handler's retry schedule.
 */
export class NonRetryableError extends Error {
  readonly code = 'non_retryable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Recognises NonRetryableError also when the handler file imported another copy of this package. */
export function isNonRetryableError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'non_retryable';
}
