/**
 * One delivery in the inspector: its page (`GET /ui/deliveries/:id`, an event id there or at
 * `GET /ui/events/:id` leads to its delivery's page at the event), an event section as a fragment
 * (`GET /ui/fragments/event/:id`, which the live script swaps in), and the actions on it from forms
 * that carry the session's CSRF token: replay, release a held event, re-process a quarantined delivery.
 * Registered by inspector-routes.ts, whose page helper it shares.
 */
import { isWebhookEvent } from '@srhooks/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseRequestPart } from '../admin/admin-errors.js';
import type { AdminOperations } from '../admin/admin-operations.js';
import { EventIdParamsSchema, IdParamsSchema, requestObject } from '../admin/admin-request-schemas.js';
import type { EventDetail } from '../store/store.js';
import { ACTION_NOTICE_PARAM, type ActionNotices } from './action-notices.js';
import {
  type DeliveryNoticeKey,
  type DetailContext,
  type DisabledHandler,
  deliveryContent,
  eventSection,
} from './delivery-page.js';
import {
  NoticeTokenSchema,
  PlainFormSchema,
  ReplayFormSchema,
  RevealFlagSchema,
  RevealSchema,
} from './inspector-forms.js';
import { sessionOf } from './inspector-login-routes.js';
import type { ShopsRoutesContext } from './shops-routes.js';

export interface DeliveryRoutesContext {
  page: ShopsRoutesContext['page'];
  operations: AdminOperations;
  /** The inspector's action notices (action-notices.ts), shared by its pages. */
  notices: ActionNotices;
}

/**
 * A delivery's page with a notice for the session of `request`, at one of its events (where an action on
 * a delivery leads back to).
 */
export type BackToDelivery = (
  request: FastifyRequest,
  deliveryId: string,
  notice: DeliveryNoticeKey,
  reveal: boolean,
  eventId?: string,
) => string;

const HTML_TYPE = 'text/html; charset=utf-8';

export function addDeliveryRoutes(
  app: FastifyInstance,
  context: DeliveryRoutesContext,
): { backToDelivery: BackToDelivery } {
  const { page, operations, notices } = context;
  const base = app.prefix;

  function detailContext(
    request: FastifyRequest,
    reveal: boolean,
    handlers: readonly string[] = [],
    disabledHandlers: ReadonlyMap<string, DisabledHandler> = new Map(),
  ): DetailContext {
    return { base, reveal, session: sessionOf(request), configuredHandlers: handlers, disabledHandlers };
  }

  /** The handlers disabled now: the page says their waiting jobs wait for `enable`, not when they run next. */
  async function disabledHandlers(): Promise<Map<string, DisabledHandler>> {
    const handlers = await operations.listHandlers();
    return new Map(
      handlers
        .filter((handler) => handler.disabled)
        .map((handler) => [handler.name, { disabledBy: handler.disabledBy, changedAt: handler.changedAt }]),
    );
  }

  function configuredHandlers(event: EventDetail): readonly string[] {
    return isWebhookEvent(event.event) ? app.handlers.namesFor(event.shop, event.event) : [];
  }

  /**
   * An event's place in the inspector: its delivery's page, at the event. An unknown event is the
   * error handler's 404 page ("No event with id …").
   */
  async function eventAddress(id: string, reveal: boolean): Promise<string> {
    const event = await operations.getEvent(id);
    return `${base}/deliveries/${encodeURIComponent(event.deliveryId)}${reveal ? '?reveal=1' : ''}#event-${encodeURIComponent(event.id)}`;
  }

  // An event's id (what `srhooks events list`, `events show` and the admin API's events print) opens
  // its delivery's page at that event: the inspector has one page per delivery, not per event.
  app.get('/events/:id', async (request, reply) => {
    const { id } = parseRequestPart(EventIdParamsSchema, 'params', request.params);
    const { reveal } = parseRequestPart(RevealSchema, 'query', request.query);
    // A delivery's id here (the two kinds are easily swapped): its page.
    if (id.startsWith('dlv_')) {
      return reply.redirect(
        `${base}/deliveries/${encodeURIComponent(id)}${reveal === '1' ? '?reveal=1' : ''}`,
        303,
      );
    }
    return reply.redirect(await eventAddress(id, reveal === '1'), 303);
  });

  app.get('/deliveries/:id', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const query = parseRequestPart(
      requestObject({ reveal: RevealFlagSchema, [ACTION_NOTICE_PARAM]: NoticeTokenSchema }),
      'query',
      request.query,
    );
    // An event's id in a delivery's address (pasted from the CLI): its delivery's page, not "No delivery
    // with id evt_… exists: retention may have deleted it", about an event that exists.
    if (id.startsWith('evt_')) return reply.redirect(await eventAddress(id, query.reveal === '1'), 303);
    const delivery = await operations.getDelivery(id);
    const events = await Promise.all(delivery.events.map((event) => operations.getEvent(event.id)));
    const context = detailContext(request, query.reveal === '1', [], await disabledHandlers());
    // Shown once, to the session that pressed the action, on this delivery's page; anything else shows none.
    const notice = notices.take('delivery', query.notice, {
      sessionId: sessionOf(request)?.id ?? null,
      subject: delivery.id,
    });
    return page(
      reply,
      request,
      'delivery',
      `Delivery ${delivery.id}`,
      deliveryContent({
        delivery,
        events,
        context,
        handlersFor: configuredHandlers,
        notice: notice?.notice ?? null,
      }),
      { stream: `${base}/events/stream`, reveal: query.reveal ?? '', 'delivery-id': delivery.id },
    );
  });

  app.get('/fragments/event/:id', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const reveal = parseRequestPart(RevealSchema, 'query', request.query).reveal === '1';
    const event = await operations.getEvent(id);
    const context = detailContext(request, reveal, configuredHandlers(event), await disabledHandlers());
    return reply.type(HTML_TYPE).send(eventSection(event, context).value);
  });

  // The notice by a one-time token this process holds (action-notices.ts), never the key, which anyone
  // could have put in a link.
  const backToDelivery: BackToDelivery = (request, deliveryId, notice, reveal, eventId) => {
    const token = notices.issue(
      'delivery',
      { notice },
      { sessionId: sessionOf(request)?.id ?? null, subject: deliveryId },
    );
    const query = new URLSearchParams({ [ACTION_NOTICE_PARAM]: token });
    if (reveal) query.set('reveal', '1');
    return `${base}/deliveries/${encodeURIComponent(deliveryId)}?${query}${eventId ? `#event-${eventId}` : ''}`;
  };

  app.post('/events/:id/replay', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const form = parseRequestPart(ReplayFormSchema, 'body', request.body);
    const event = await operations.getEvent(id);
    const handler = form.handler ? form.handler : undefined;
    const jobs = await operations.replayEvent(id, handler);
    request.log.info(
      { eventId: id, handler: handler ?? null, jobs: jobs.length },
      'event replayed from the inspector',
    );
    // A job of a disabled handler is queued but waits: the notice must not say it runs now.
    const disabled = await disabledHandlers();
    const waiting = jobs.some((job) => disabled.has(job.handler));
    return reply.redirect(
      backToDelivery(
        request,
        event.deliveryId,
        waiting ? 'replayed-waiting' : 'replayed',
        form.reveal === '1',
        id,
      ),
      303,
    );
  });

  app.post('/events/:id/release', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const form = parseRequestPart(PlainFormSchema, 'body', request.body);
    const event = await operations.getEvent(id);
    await operations.releaseEvent(id);
    request.log.info({ eventId: id }, 'held event released from the inspector');
    return reply.redirect(
      backToDelivery(request, event.deliveryId, 'released', form.reveal === '1', id),
      303,
    );
  });

  app.post('/deliveries/:id/reprocess', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const form = parseRequestPart(PlainFormSchema, 'body', request.body);
    const result = await operations.reprocessDelivery(id);
    request.log.info(
      { deliveryId: id, events: result.events.length },
      'quarantined delivery re-processed from the inspector',
    );
    return reply.redirect(backToDelivery(request, id, 'reprocessed', form.reveal === '1'), 303);
  });

  return { backToDelivery };
}
