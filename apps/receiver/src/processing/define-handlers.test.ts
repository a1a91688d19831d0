import type { ShopRenterClient } from '@srhooks/client';
import type { OrderItem, Subscriber } from '@srhooks/contracts';
import type { Logger } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineHandlers,
  type HandlerContext,
  type HandlerEvent,
  isDefinedHandlers,
  isNonRetryableError,
  NonRetryableError,
} from './define-handlers.js';

describe('defineHandlers', () => {
  it('types each handler by its event name', () => {
    const handlers = defineHandlers({
      order_confirm: async (event, ctx) => {
        expectTypeOf(event.event).toEqualTypeOf<'order_confirm'>();
        expectTypeOf(event.order).toEqualTypeOf<OrderItem>();
        expectTypeOf(ctx.jobId).toEqualTypeOf<string>();
        expectTypeOf(ctx.logger).toEqualTypeOf<Logger>();
        expectTypeOf(ctx.client).toEqualTypeOf<ShopRenterClient>();
      },
      newsletter_unsubscribe: (event) => {
        expectTypeOf(event.subscriber).toEqualTypeOf<Subscriber>();
        // @ts-expect-error newsletter events carry no order
        void event.order;
      },
    });
    expect(Object.keys(handlers).sort()).toEqual(['newsletter_unsubscribe', 'order_confirm']);
    expect(isDefinedHandlers(handlers)).toBe(true);
    expect(isDefinedHandlers({ order_confirm: () => {} })).toBe(false);
    expect(Object.isFrozen(handlers)).toBe(true);
  });

  it('narrows the union with a switch on event', () => {
    const describe = (event: HandlerEvent): string => {
      switch (event.event) {
        case 'order_confirm':
        case 'order_status_change':
        case 'abandoned_cart':
          return `order ${event.order.innerId}`;
        default:
          return `subscriber ${event.subscriber.id}`;
      }
    };
    expectTypeOf<HandlerContext['attempt']>().toEqualTypeOf<number>();
    expect(
      describe({
        event: 'newsletter_subscribe',
        shop: 'demo',
        eventId: 'e',
        deliveryId: 'd',
        receivedAt: new Date(),
        dedupeKey: 'k',
        subjectId: '7',
        verification: 'unverified',
        source: 'webhook',
        subscriber: { id: '7' },
      }),
    ).toBe('subscriber 7');
  });

  it('refuses unknown event names and non-functions at run time too', () => {
    // @ts-expect-error a typo in the event name
    expect(() => defineHandlers({ order_confirmed: () => {} })).toThrow(
      'defineHandlers: "order_confirmed" is not a ShopRenter event (did you mean "order_confirm"?); use one of order_confirm, order_status_change, abandoned_cart, newsletter_subscribe, newsletter_unsubscribe, newsletter_update_subscriber',
    );
    // nothing close: no guess
    // @ts-expect-error not an event at all
    expect(() => defineHandlers({ refund: () => {} })).toThrow(
      'defineHandlers: "refund" is not a ShopRenter event; use one of order_confirm,',
    );
    // @ts-expect-error not a function
    expect(() => defineHandlers({ order_confirm: 'send mail' })).toThrow(
      'defineHandlers: the handler for "order_confirm" must be a function, got string',
    );
  });

  it('recognises NonRetryableError by its code', () => {
    expect(isNonRetryableError(new NonRetryableError('no such product'))).toBe(true);
    expect(isNonRetryableError(Object.assign(new Error('x'), { code: 'non_retryable' }))).toBe(true);
    expect(isNonRetryableError(new Error('x'))).toBe(false);
  });
});
