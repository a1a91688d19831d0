/**
 * Re-processing a quarantined delivery (admin API and inspector, through AdminOperations): decoded again
 * with today's decoder and stored with its events and jobs; a Payment API notification is filed again by
 * app mode's payment filing rules.
 */
import {
  DeliveryDecodeError,
  decodeDelivery,
  isWebhookEvent,
  PAYMENT_EVENTS,
  type PaymentEvent,
} from '@srhooks/contracts';
import {
  fileAndStore,
  filePaymentNotification,
  type PaymentFiling,
  readPaymentBody,
  storedShopParameter,
} from '../app-mode/payment-filing.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { eventsFromDelivery } from '../ingest/events-from-delivery.js';
import { decodeFailureOf } from '../ingest/quarantine-reason.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import type {
  DecodeFailure,
  DeliveryDetail,
  IngestResult,
  NewEvent,
  PaymentClaimWrite,
  Store,
} from '../store/store.js';
import { StoreConflictError } from '../store/store.js';
import { AdminApiError, notQuarantined } from './admin-errors.js';
import type { AdminOperationsOptions } from './admin-operations.js';

/** Options of a re-process (docs/admin-api-and-inspector.md, JSON admin API). */
export interface ReprocessRequest {
  /** Payment notification quarantined `shop_mismatch`: file it under the shop its charge is bound to. */
  acceptShopMismatch?: boolean;
}

export class DeliveryReprocess {
  readonly #store: Store;
  readonly #handlers: HandlerRegistry;
  readonly #config: AdminOperationsOptions['config'];
  readonly #appShops: AppShopStore | null;

  constructor(options: AdminOperationsOptions & { appShops: AppShopStore | null }) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#config = options.config;
    this.#appShops = options.appShops;
  }

  /**
   * Decodes a quarantined delivery (the caller checked it is one) again and stores its events and jobs. A
   * Payment API notification runs the payment filing rules again (#reprocessPayment).
   */
  async run(delivery: DeliveryDetail, request: ReprocessRequest = {}): Promise<IngestResult> {
    const id = delivery.id;
    if (isPaymentEvent(delivery.event)) return this.#reprocessPayment(delivery, request);
    if (request.acceptShopMismatch !== undefined) {
      throw new AdminApiError(
        400,
        'invalid_request',
        `acceptShopMismatch: only for Payment API notifications; delivery ${id} is a ${delivery.event} delivery.`,
        { in: 'body', field: 'acceptShopMismatch' },
      );
    }
    if (!isWebhookEvent(delivery.event)) {
      throw new AdminApiError(
        409,
        'unknown_event',
        `Delivery ${id} has an unknown event "${delivery.event}".`,
      );
    }
    let events: ReturnType<typeof eventsFromDelivery>;
    try {
      const decoded = decodeDelivery({
        event: delivery.event,
        contentType: delivery.contentType,
        contentEncoding: delivery.headers['content-encoding'],
        body: delivery.rawBody,
        limits: { maxBytes: Math.max(this.#config.bodyLimit, delivery.rawBody.length) },
      });
      events = eventsFromDelivery(delivery.shop, decoded);
    } catch (error) {
      if (!(error instanceof DeliveryDecodeError)) throw error;
      await this.#recordFailure(id, decodeFailureOf(error));
      throw new AdminApiError(
        422,
        'still_undecodable',
        `Delivery ${id} still does not decode (${error.code}: ${error.message}); it stays quarantined. Fix the decoder, then try again.`,
        {
          decodeError: {
            code: error.code,
            part: error.part,
            ...(error.path === undefined ? {} : { path: error.path }),
          },
        },
      );
    }
    const handlers = [...this.#handlers.namesFor(delivery.shop, delivery.event)];
    return this.#reprocessStored(id, events, handlers);
  }

  /**
   * A quarantined Payment API notification (`invalid_notification`, `unknown_shop`, `shop_mismatch`):
   * the body is read with today's decoder and filed by the same rules as on arrival
   * (app-mode/payment-filing.ts) against today's installs and charge bindings. Not checked again: the
   * hmac (checked on arrival; not stored) and the time tolerance (a re-process is later by nature).
   * Filed under the shop the rules name — the delivery moves there — where that shop's dedupe applies: a
   * notification already filed there is stored as a duplicate, its handlers do not run again.
   */
  async #reprocessPayment(delivery: DeliveryDetail, request: ReprocessRequest): Promise<IngestResult> {
    const id = delivery.id;
    const app = this.#config.app;
    if (!app || !this.#appShops) {
      throw new AdminApiError(
        409,
        'app_mode_off',
        `Delivery ${id} is a Payment API notification; re-processing it needs app mode (the app block or SRHOOKS_APP_CLIENT_ID), which this receiver does not run.`,
      );
    }
    const parameter = storedShopParameter(delivery);
    if (parameter === null) {
      throw new AdminApiError(
        409,
        'unknown_claim',
        `Delivery ${id} does not record which shop its notification URL named, so the filing rules cannot be run again; file it by hand from the stored body.`,
      );
    }
    const body = readPaymentBody(delivery.rawBody, delivery.headers['content-encoding']);
    const context = {
      configShops: new Set(this.#config.shops.map((shop) => shop.name)),
      appShops: this.#appShops,
      storeTimeoutMs: this.#config.storeTimeoutMs,
      timestampToleranceSeconds: app.timestampToleranceSeconds,
    };
    return fileAndStore(
      () =>
        filePaymentNotification(context, body, parameter, {
          acceptShopMismatch: request.acceptShopMismatch === true,
        }),
      (filing) => this.#reprocessFiled(id, filing),
    );
  }

  /** Re-processes a payment notification as the filing rules decided, its claim in the same transaction. */
  async #reprocessFiled(id: string, filing: PaymentFiling): Promise<IngestResult> {
    if (filing.kind === 'quarantine') {
      const { code, message } = filing.failure;
      if (code === 'invalid_notification') {
        throw new AdminApiError(
          422,
          'still_undecodable',
          `Delivery ${id} still does not decode (${message}); it stays quarantined. Fix the decoder, then try again.`,
          { decodeError: { code, message } },
        );
      }
      const override =
        code === 'shop_mismatch'
          ? ' To file it under the shop its charge was first seen under, re-process with acceptShopMismatch: true.'
          : ' Re-process it once the app is installed on that shop.';
      throw new AdminApiError(409, code, `Delivery ${id} stays quarantined: ${message}${override}`, {
        reason: message,
      });
    }
    // `duplicate`: the same notification is filed under its charge's shop already; filing it there records
    // it as the duplicate it is (no jobs).
    const shop = filing.kind === 'file' ? filing.shop : filing.filedUnder;
    const { decoded, subjectId, claim } = filing;
    return this.#reprocessStored(
      id,
      [{ dedupeKey: decoded.dedupeKey, subjectId, payload: decoded.notification }],
      [...this.#handlers.namesFor(shop, decoded.event)],
      { shop, event: decoded.event },
      claim,
    );
  }

  /**
   * Today's decoder's failure replaces the stored one (the page, the admin API and `deliveries show` say
   * why it does not decode now, e.g. a field once the body limit was raised). A concurrent re-process
   * that stored it meanwhile leaves nothing to record.
   */
  async #recordFailure(id: string, failure: DecodeFailure): Promise<void> {
    try {
      await withStoreTimeout(
        'record decode failure',
        this.#store.recordDecodeFailure(id, failure),
        this.#config.storeTimeoutMs,
      );
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }

  async #reprocessStored(
    id: string,
    events: NewEvent[],
    handlers: string[],
    fileAs?: { shop: string; event: string },
    paymentClaim?: PaymentClaimWrite,
  ): Promise<IngestResult> {
    try {
      return await withStoreTimeout(
        'reprocess delivery',
        this.#store.reprocessQuarantined(id, events, handlers, {
          ...(fileAs ? { fileAs } : {}),
          ...(paymentClaim ? { paymentClaim } : {}),
        }),
        this.#config.storeTimeoutMs,
      );
    } catch (error) {
      // Another call re-processed it since the check above (concurrent calls): the same answer as if
      // this one had come after it. The store's only conflict here is "not quarantined".
      if (error instanceof StoreConflictError) throw notQuarantined(error.message);
      throw error;
    }
  }
}

function isPaymentEvent(event: string): event is PaymentEvent {
  return (PAYMENT_EVENTS as readonly string[]).includes(event);
}
