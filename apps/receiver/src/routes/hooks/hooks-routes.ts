/**
 * `POST /hooks/{shop}/{event}/{token}`: the ingest path.
 *
 * 1. onRequest: IP allow-list (403), then the signed-URL check (404, identical for every
 *    failure); nothing is read from a refused request.
 * 2. The body is read raw as a Buffer whatever its Content-Type (limit → 413): the contracts
 *    codec, not fastify, decides what is acceptable, so an authentic delivery with a strange
 *    Content-Type is quarantined instead of bounced.
 * 3. Decoded → one event per order/subscriber → `store.ingest` (events + outbox jobs) → 200
 *    only after the commit. Undecodable → `store.quarantine` (part, path and value stored) → 400 with
 *    the decode error's code, part and path, its message with the sender's value `[hidden]`.
 *    Store failure or timeout → 503; nothing is ever acknowledged that is not stored — or, with the
 *    delivery spool on (SRHOOKS_SPOOL_DIR) and the store unavailable, durably spooled (spool/).
 */
import type { DecodedDelivery, WebhookEvent } from '@srhooks/contracts';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, NOT_FOUND_BODY } from '../../http/error-body.js';
import { bodyTooLargeMessage, handleError } from '../../http/error-handler.js';
import { HookAuthenticator, type HookParams } from '../../ingest/authenticate-hook.js';
import { DeliveryDecoder } from '../../ingest/delivery-decoder.js';
import { headersForStorage } from '../../ingest/delivery-headers.js';
import { eventsFromDelivery } from '../../ingest/events-from-delivery.js';
import { IpAllowList } from '../../ingest/ip-allow-list.js';
import { type Quarantined, tooLargeReason, undecodableReason } from '../../ingest/quarantine-reason.js';
import { withStoreTimeout } from '../../ingest/store-call.js';
import type { DeliveryOutcome } from '../../metrics/receiver-metrics.js';
import { SpoolFullError } from '../../spool/spool-errors.js';
import { newId } from '../../store/sortable-id.js';
import {
  type IngestResult,
  type NewDelivery,
  type NewEvent,
  type SpooledDelivery,
  StoreUnavailableError,
} from '../../store/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated shop and event of a POST /hooks request (null before authentication). */
    hookTarget: { shop: string; event: WebhookEvent } | null;
    /** The Content-Type header exactly as the sender sent it (null when absent). */
    deliveryContentType: string | null;
  }
}

const RAW_BODY_TYPE = 'application/octet-stream';

const EMPTY_BODY = Buffer.alloc(0);
const RETRY_AFTER_SECONDS = '5';

const STORE_UNAVAILABLE_MESSAGE =
  'The delivery could not be confirmed stored: the event store is unreachable or too slow right now ' +
  '(a write that was slow may still complete). Nothing was acknowledged; send it again later: ' +
  'a copy stored meanwhile is recorded as a duplicate, never twice.';

export const hooksRoutes: FastifyPluginAsync = async (app) => {
  const { config, store, metrics, handlers, spool } = app;
  const allowList = config.allowIps ? new IpAllowList(config.allowIps) : null;
  const authenticator = new HookAuthenticator(config.secrets);
  // Large bodies are decoded on a thread of their own, so they do not stall every other request.
  const decoder = new DeliveryDecoder();
  app.addHook('onClose', async () => {
    await decoder.close();
  });

  app.decorateRequest('hookTarget', null);
  app.decorateRequest('deliveryContentType', null);

  // Every body arrives as one Buffer; the codec judges the Content-Type (see onRequest below).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: config.bodyHardLimit },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const target = request.hookTarget;
    if (target && error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return overHardLimit(request, reply);
    return handleError(error, request, reply);
  });

  /** Over SRHOOKS_BODY_HARD_LIMIT: refused (413), nothing stored; the connection is closed. */
  function overHardLimit(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const target = request.hookTarget;
    if (target) {
      countDelivery(target.shop, target.event, 'too_large', reply);
      request.log.warn(
        { shop: target.shop, event: target.event, limit: config.bodyHardLimit },
        'delivery over the hard body limit refused',
      );
    }
    return reply
      .code(413)
      .header('connection', 'close')
      .send(
        errorBody('body_too_large', bodyTooLargeMessage(config.bodyHardLimit, app.limitAdvice.bodyHardLimit)),
      );
  }

  function countDelivery(shop: string, event: string, outcome: DeliveryOutcome, reply: FastifyReply): void {
    metrics.deliveries.inc({ shop, event, outcome });
    metrics.ingestDuration.observe({ outcome }, reply.elapsedTime / 1000);
  }

  function refuse(request: FastifyRequest<{ Params: HookParams }>, reply: FastifyReply): boolean {
    if (allowList && !allowList.allows(request.ip)) {
      metrics.forbiddenAddresses.inc();
      request.log.warn(
        { remoteAddress: request.ip },
        'delivery from an address outside SRHOOKS_ALLOW_IPS refused',
      );
      reply.code(403).send(errorBody('forbidden', 'This address is not allowed to post deliveries.'));
      return true;
    }
    const auth = authenticator.authenticate(request.params);
    if (!auth.ok) {
      metrics.forgedAttempts.inc({ reason: auth.reason });
      request.log.warn(
        { forged: { reason: auth.reason, remoteAddress: request.ip } },
        'forged delivery attempt refused',
      );
      reply.code(404).send(NOT_FOUND_BODY);
      return true;
    }
    request.hookTarget = { shop: auth.shop, event: auth.event };
    return false;
  }

  /** What an authentic delivery over SRHOOKS_BODY_LIMIT (within the hard limit) is quarantined with. */
  function tooLarge(bytes: number): Quarantined {
    return tooLargeReason(bytes, config.bodyLimit, app.limitAdvice);
  }

  /** A decoder's error → what the delivery is quarantined with (an unexpected one is logged). */
  function undecodable(request: FastifyRequest, error: unknown): Quarantined {
    return undecodableReason(error, (unexpected) => {
      request.log.error({ err: unexpected }, 'decoder failed unexpectedly; delivery quarantined');
    });
  }

  async function quarantine(
    request: FastifyRequest,
    reply: FastifyReply,
    delivery: SpooledDelivery,
    { failure, answer }: Quarantined,
  ): Promise<FastifyReply> {
    const { code, message, ...details } = answer;
    let deliveryId: string;
    try {
      ({ deliveryId } = await withStoreTimeout(
        'quarantine',
        store.quarantine(delivery, failure),
        config.storeTimeoutMs,
      ));
    } catch (storeError) {
      return notStored(request, reply, delivery, 'quarantine', storeError, () =>
        reply.code(400).send(errorBody(code, message, details, { deliveryId: delivery.id, spooled: true })),
      );
    }
    metrics.quarantined.inc({ shop: delivery.shop, event: delivery.event, code: failure.code });
    countDelivery(delivery.shop, delivery.event, 'quarantined', reply);
    request.logContext = {
      deliveryId,
      shop: delivery.shop,
      event: delivery.event,
      outcome: 'quarantined',
      decodeError: { code: failure.code, part: details.part, path: details.path },
    };
    return reply.code(400).send(errorBody(code, message, details, { deliveryId }));
  }

  /**
   * The store did not take the delivery. With the spool on (SRHOOKS_SPOOL_DIR) and the store unavailable,
   * the delivery is written to the spool and, only once its file is durable, answered by `spooledAnswer`
   * (as it would have been answered stored, with `spooled: true`); the drainer stores it later under the
   * same id. Otherwise, or when the spool is full or its write fails: 503, as without a spool.
   */
  async function notStored(
    request: FastifyRequest,
    reply: FastifyReply,
    delivery: SpooledDelivery,
    operation: 'ingest' | 'quarantine',
    error: unknown,
    spooledAnswer: () => FastifyReply,
  ): Promise<FastifyReply> {
    metrics.storeErrors.inc({ operation });
    if (spool === null || !(error instanceof StoreUnavailableError)) {
      return storeUnavailable(request, reply, delivery, operation, error);
    }
    const { id: deliveryId, shop, event } = delivery;
    try {
      await spool.write(delivery);
    } catch (spoolError) {
      metrics.spoolDeliveries.inc({
        outcome: spoolError instanceof SpoolFullError ? 'full' : 'write_failed',
      });
      const { code, message } = spoolError as { code?: unknown; message?: unknown };
      request.log.error(
        { spool: { code, message: String(message) }, shop, event, operation },
        'delivery not spooled',
      );
      return storeUnavailable(request, reply, delivery, operation, error);
    }
    countDelivery(shop, event, 'spooled', reply);
    request.log.info(
      { deliveryId, shop, event, operation, storeError: error.detail, spool: spool.figures() },
      'store unavailable: delivery spooled, stored once the store is reachable again',
    );
    request.logContext = { deliveryId, shop, event, outcome: 'spooled' };
    return spooledAnswer();
  }

  function storeUnavailable(
    request: FastifyRequest,
    reply: FastifyReply,
    delivery: NewDelivery,
    operation: string,
    error: unknown,
  ): FastifyReply {
    countDelivery(delivery.shop, delivery.event, 'store_unavailable', reply);
    request.log.error(
      { err: error, shop: delivery.shop, event: delivery.event, operation },
      'delivery not stored: store unavailable',
    );
    return reply
      .code(503)
      .header('retry-after', RETRY_AFTER_SECONDS)
      .send(errorBody('store_unavailable', STORE_UNAVAILABLE_MESSAGE));
  }

  /**
   * Decodes the delivery and starts storing its events; the commit is awaited by the caller. The decoded
   * orders live only in this function's frame, which ends before the commit does: an async function
   * keeps its locals alive across an `await` even when they are no longer used, so awaiting the commit
   * here would keep every in-flight delivery's orders alive (and copied by each young-generation
   * collection) until its commit returned.
   */
  async function decodeAndStore(
    request: FastifyRequest,
    delivery: NewDelivery,
  ): Promise<
    { ok: true; eventCount: number; storing: Promise<IngestResult> } | { ok: false; quarantined: Quarantined }
  > {
    const { shop, event, contentType, rawBody } = delivery;
    let events: NewEvent[];
    try {
      const decoded: DecodedDelivery = await decoder.decode({
        event,
        contentType,
        contentEncoding: delivery.headers['content-encoding'],
        body: rawBody,
        limits: { maxBytes: config.bodyLimit },
      });
      events = eventsFromDelivery(shop, decoded);
    } catch (error) {
      return { ok: false, quarantined: undecodable(request, error) };
    }
    let storing: Promise<IngestResult>;
    try {
      storing = withStoreTimeout(
        'ingest',
        store.ingest(delivery, events, [...handlers.namesFor(shop, event)]),
        config.storeTimeoutMs,
      );
    } catch (error) {
      storing = Promise.reject(error); // a store that throws instead of rejecting: answered 503 all the same
    }
    return { ok: true, eventCount: events.length, storing };
  }

  // Anything else under /hooks/ (a missing or extra segment, a segment longer than the router
  // takes, another method) is refused exactly like a forged token, in onRequest: its body is never
  // read or parsed, so a broken body cannot turn the generic 404 into a 400 or 414.
  app.route({
    method: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    url: '/hooks/*',
    onRequest: (request, reply, done) => {
      metrics.forgedAttempts.inc({ reason: 'unknown_route' });
      request.log.warn(
        { forged: { reason: 'unknown_route', remoteAddress: request.ip } },
        'forged delivery attempt refused',
      );
      reply.code(404).send(NOT_FOUND_BODY);
      done();
    },
    handler: async (_request, reply) => reply.code(404).send(NOT_FOUND_BODY),
  });

  app.post<{ Params: HookParams; Body: Buffer | undefined }>(
    '/hooks/:shop/:event/:token',
    {
      bodyLimit: config.bodyHardLimit,
      // A delivery on a connection still open while the receiver closes is stored (the store closes
      // after the last connection), not refused: ShopRenter never sends it again (refuse-while-closing.ts).
      config: { takenWhileClosing: true },
      onRequest: (request, reply, done) => {
        if (refuse(request, reply)) return;
        const headers = request.raw.headers;
        // Before the upload: with `Expect: 100-continue` no 100 has been sent yet (see expect-continue.ts).
        if (Number(headers['content-length']) > config.bodyHardLimit) {
          overHardLimit(request, reply);
          return;
        }
        request.deliveryContentType = headers['content-type'] ?? null;
        headers['content-type'] = RAW_BODY_TYPE;
        done();
      },
      preValidation: (request, _reply, done) => {
        // Parsing is done: give the sender's Content-Type back to everything downstream.
        const headers = request.raw.headers;
        if (request.deliveryContentType === null) delete headers['content-type'];
        else headers['content-type'] = request.deliveryContentType;
        done();
      },
    },
    async (request, reply) => {
      const target = request.hookTarget;
      if (!target) return reply.code(404).send(NOT_FOUND_BODY);
      const { shop, event } = target;
      const contentType = request.deliveryContentType ?? '';
      const body = request.body ?? EMPTY_BODY;
      const receivedAt = new Date();
      const delivery: SpooledDelivery = {
        // allocated before the store call: a spooled copy carries the id a late commit would have
        id: newId('dlv', receivedAt.getTime()),
        shop,
        event,
        receivedAt,
        remoteAddress: request.ip,
        headers: headersForStorage(request.headers),
        contentType,
        rawBody: body,
      };

      if (body.length > config.bodyLimit) {
        // Authentic but larger than what is decoded: kept raw, re-processable once the limit is raised.
        return quarantine(request, reply, delivery, tooLarge(body.length));
      }

      const started = await decodeAndStore(request, delivery);
      if (!started.ok) return quarantine(request, reply, delivery, started.quarantined);
      const { eventCount } = started;
      let deliveryId: string;
      let duplicates: number;
      try {
        ({ deliveryId, duplicates } = await started.storing);
      } catch (error) {
        return notStored(request, reply, delivery, 'ingest', error, () =>
          reply.code(200).send({ ok: true, deliveryId: delivery.id, spooled: true, events: eventCount }),
        );
      }

      metrics.events.inc({ shop, event }, eventCount);
      if (duplicates > 0) metrics.duplicates.inc({ shop, event }, duplicates);
      countDelivery(shop, event, 'stored', reply);
      request.logContext = { deliveryId, shop, event, outcome: 'stored', events: eventCount, duplicates };
      return reply.code(200).send({ ok: true, deliveryId, events: eventCount, duplicates });
    },
  );
};
