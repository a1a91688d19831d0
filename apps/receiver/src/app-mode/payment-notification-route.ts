/**
 * App mode's Payment API notification route (`POST paymentPath`, with `webhookSecretKey`; FACTS.md §8):
 * verify the hmac over the raw body and the body's `time`; store as a `payment_status` /
 * `payment_card_change` event (dedupe key: id or changeId + status + time) for the app's handlers under
 * the shop the URL names — only a shop the receiver serves, and only the shop the charge was first seen
 * under (payment-filing.ts); an authentic body that is not a notification, or that cannot be filed, is
 * quarantined with the reason; anything not authentic gets 401 and nothing is stored.
 *
 * The store unavailable while an authentic notification is filed or stored: with the delivery spool on
 * (SRHOOKS_SPOOL_DIR), it is spooled under the id it was given on arrival and answered 200 `spooled`; the
 * drainer files and stores it later (spooled-payment.ts). Without the spool, or when it cannot be spooled
 * (full, write failed): 503 `store_unavailable`.
 */
import { paymentNotificationQuery, verifyPaymentNotification } from '@srhooks/client';
import type { DecodedPaymentNotification } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../http/error-body.js';
import { limitRouteBodies } from '../http/error-handler.js';
import { headersForStorage } from '../ingest/delivery-headers.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import { newId } from '../store/sortable-id.js';
import { type NewDelivery, StoreUnavailableError, type WebhookEvent } from '../store/store.js';
import type { AppConfig } from './app-config.js';
import {
  fileAndStore,
  filePaymentNotification,
  NOTIFICATION_SHOP_HEADER,
  PAYMENT_API_SHOP,
  type PaymentBody,
  type PaymentFiling,
  type PaymentFilingContext,
  paymentShopParameter,
  recordShopQuery,
} from './payment-filing.js';
import { refusalReason } from './refusal-reason.js';
import { paymentDrain } from './spooled-payment.js';

type Query = Record<string, string | string[] | undefined>;

/** A Payment API notification is a small JSON object; larger bodies are refused (413) unread. */
const PAYMENT_BODY_LIMIT = 64 * 1024;

const PAYMENT_API_OFF_MESSAGE =
  'this receiver has no Payment API WebhookSecretKey (app.webhookSecretKey), so it cannot verify Payment API notifications and stores none: set SRHOOKS_APP_WEBHOOK_SECRET_KEY (or app.webhookSecretKey) to the key ShopRenter issued for the app and restart; notifications sent again after that are taken';

/**
 * Registers the notification route when the app has a `webhookSecretKey`. Without one nothing can be
 * verified or stored, but a notification sent anyway (an app that does bill through the Payment API,
 * its key forgotten) is answered 503 `payment_api_off` — said, and a status a sender tries again —
 * and logged at warn, not fastify's bare 404.
 */
export async function registerPaymentNotificationRoute(
  app: FastifyInstance,
  appConfig: AppConfig,
  appShops: AppShopStore,
): Promise<void> {
  const secretKey = appConfig.webhookSecretKey;
  if (!secretKey) {
    await app.register(async (off) => {
      // Answered before the body is read: nothing of it is looked at.
      off.addHook('onRequest', async (request, reply) => {
        request.log.warn({ code: 'payment_api_off', remoteAddress: request.ip }, PAYMENT_API_OFF_MESSAGE);
        return reply.code(503).send(errorBody('payment_api_off', PAYMENT_API_OFF_MESSAGE));
      });
      off.post(appConfig.paymentPath, async () => undefined);
    });
    return;
  }
  const filing: PaymentFilingContext = {
    configShops: new Set(app.config.shops.map((shop) => shop.name)),
    appShops,
    storeTimeoutMs: app.config.storeTimeoutMs,
    timestampToleranceSeconds: appConfig.timestampToleranceSeconds,
  };
  app.spoolDrainer?.drainPaymentsWith(paymentDrain(app, filing));
  await app.register(async (payments) => {
    payments.removeAllContentTypeParsers();
    limitRouteBodies(payments, PAYMENT_BODY_LIMIT);
    // Any Content-Type is taken, as on the delivery route: the hmac covers the raw body, whatever it is
    // labelled. Fastify would refuse (415) a header it cannot parse, or one present but empty, so the body
    // is read under a fixed type and the sender's header is given back afterwards (an empty one counts as
    // none).
    const sentContentType = new WeakMap<object, string | undefined>();
    payments.addHook('onRequest', (request, _reply, done) => {
      const headers = request.raw.headers;
      const given = headers['content-type'];
      sentContentType.set(request.raw, given === undefined || given.trim() === '' ? undefined : given);
      headers['content-type'] = 'application/octet-stream';
      done();
    });
    payments.addHook('preValidation', (request, _reply, done) => {
      const headers = request.raw.headers;
      const given = sentContentType.get(request.raw);
      if (given === undefined) delete headers['content-type'];
      else headers['content-type'] = given;
      done();
    });
    payments.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: PAYMENT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    payments.post<{ Body: Buffer | undefined; Querystring: Query }>(
      appConfig.paymentPath,
      // A notification on a connection still open while the receiver closes is stored, like a delivery
      // (http/refuse-while-closing.ts): resending is not documented (assumed never).
      { config: { takenWhileClosing: true } },
      async (request, reply) => {
        const raw = request.body ?? Buffer.alloc(0);
        // an hmac appended with a second `?` to a notificationUrl with a query split back (A54)
        const query = Object.fromEntries(paymentNotificationQuery(request.query));
        const result = verifyPaymentNotification(raw, query, secretKey, {
          toleranceSeconds: appConfig.timestampToleranceSeconds,
          contentEncoding: request.headers['content-encoding'],
        });
        if (!result.ok && !result.error.authentic) {
          app.metrics.forgedAttempts.inc({ reason: refusalReason(result.error.code) });
          request.log.warn(
            { payment: { refused: result.error.code, remoteAddress: request.ip } },
            'payment notification refused',
          );
          return reply.code(result.error.status).send(errorBody(result.error.code, result.error.message));
        }
        const event = result.ok ? result.event : 'payment_status';
        // One id per notification, given before the first write: if that write times out and commits
        // after all, the spooled copy's drain finds it stored and stores nothing twice.
        const receivedAt = new Date();
        const deliveryId = newId('dlv', receivedAt.getTime());
        const delivery = (shop: string): NewDelivery => ({
          id: deliveryId,
          shop,
          event: event as unknown as WebhookEvent,
          receivedAt,
          remoteAddress: request.ip,
          // The URL's shop claim goes with the body, so a re-process can run the filing rules again.
          headers: {
            ...headersForStorage(request.headers),
            [NOTIFICATION_SHOP_HEADER]: recordShopQuery(query),
          },
          contentType: request.headers['content-type'] ?? '',
          rawBody: raw,
        });
        const body: PaymentBody = result.ok
          ? {
              ok: true,
              value: {
                event: result.event,
                notification: result.notification,
                dedupeKey: result.dedupeKey,
              } as DecodedPaymentNotification,
            }
          : { ok: false, message: result.error.message };
        const shopClaim = paymentShopParameter(query);
        let answer: Record<string, unknown>;
        try {
          answer = await fileAndStore(
            () => filePaymentNotification(filing, body, shopClaim),
            (decision) => storePayment(decision),
          );
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
          return notStored(error, delivery(shopClaim.kind === 'named' ? shopClaim.shop : PAYMENT_API_SHOP));
        }
        return reply.code(200).send(answer);

        /** The store was unavailable: spooled (authentic, hmac verified above) and 200, or 503. */
        async function notStored(error: StoreUnavailableError, unfiled: NewDelivery) {
          app.metrics.storeErrors.inc({ operation: 'payment_notification' });
          const { spool } = app;
          if (spool !== null) {
            try {
              await spool.write({ ...unfiled, id: deliveryId }, 'payment_notification');
              request.log.info(
                { deliveryId, shop: unfiled.shop, event, storeError: error.detail, spool: spool.figures() },
                'store unavailable: payment notification spooled, filed and stored once the store is reachable again',
              );
              return reply.code(200).send({ ok: true, deliveryId, spooled: true });
            } catch (spoolError) {
              const code = (spoolError as { code?: unknown }).code;
              app.metrics.spoolDeliveries.inc({ outcome: code === 'spool_full' ? 'full' : 'write_failed' });
              request.log.error(
                {
                  spool: { code, message: String((spoolError as Error).message) },
                  shop: unfiled.shop,
                  event,
                },
                'payment notification not spooled',
              );
            }
          }
          request.log.error(
            { err: error, shop: unfiled.shop, event },
            'payment notification not stored: store unavailable',
          );
          return reply
            .code(503)
            .send(
              errorBody(
                'store_unavailable',
                'The store is unavailable: the payment notification could not be confirmed stored (a write that was slow may still complete; a resend is recorded once). Check the store (receiver /readyz); turn the delivery spool on (SRHOOKS_SPOOL_DIR) to acknowledge notifications through store outages.',
              ),
            );
        }

        /** Stores (or answers) the filing decision; the claim goes into the transaction that files it. */
        async function storePayment(decision: PaymentFiling): Promise<Record<string, unknown>> {
          if (decision.kind === 'quarantine') {
            // Authentic, and kept; nothing the sender could change by sending it again: acknowledged 200
            // (a 4xx would tell ShopRenter — or whoever replays it — something about the receiver's view).
            const { shop, failure, claimed } = decision;
            const { deliveryId } = await withStoreTimeout(
              'quarantine payment notification',
              app.store.quarantine(
                delivery(shop),
                failure,
                decision.binding ? { paymentBinding: decision.binding } : {},
              ),
              app.config.storeTimeoutMs,
            );
            app.metrics.quarantined.inc({ shop, event, code: failure.code });
            request.log.warn(
              { shop, claimedShop: claimed, deliveryId, code: failure.code },
              `authentic payment notification quarantined: ${failure.code}`,
            );
            return { ok: true, quarantined: true, deliveryId };
          }
          if (decision.kind === 'duplicate') {
            // A copy sent again under another shop. Answered as the duplicate it is; nothing recorded, no
            // handler runs.
            app.metrics.duplicates.inc({ shop: decision.filedUnder, event: decision.decoded.event });
            request.log.warn(
              {
                shop: decision.shop,
                filedUnder: decision.filedUnder,
                event: decision.decoded.event,
                remoteAddress: request.ip,
              },
              'payment notification already filed under another shop: answered as a duplicate',
            );
            return { ok: true, duplicates: 1 };
          }
          // The charge's own shop (when that shop has since uninstalled: a charge it had, e.g. cancelled).
          const { shop, decoded, subjectId, claim } = decision;
          const stored = await withStoreTimeout(
            'ingest payment notification',
            app.store.ingest(
              delivery(shop),
              [{ dedupeKey: decoded.dedupeKey, subjectId, payload: decoded.notification }],
              [...app.handlers.namesFor(shop, decoded.event)],
              { paymentClaim: claim },
            ),
            app.config.storeTimeoutMs,
          );
          request.log.info(
            { shop, event: decoded.event, deliveryId: stored.deliveryId, duplicates: stored.duplicates },
            'payment notification stored',
          );
          return { ok: true, deliveryId: stored.deliveryId, duplicates: stored.duplicates };
        }
      },
    );
  });
}
