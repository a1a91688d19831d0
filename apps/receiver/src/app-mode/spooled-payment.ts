/**
 * Payment API notifications and the delivery spool (SRHOOKS_SPOOL_DIR). The payment route spools an
 * authentic notification (its hmac verified first: nothing unverified is ever spooled) when the store is
 * unavailable while it is filed or stored, and answers 200 `spooled`; the drainer (spool/spool-drainer.ts)
 * hands it back here once the store is reachable. Its filing rules (payment-filing.ts) run then, on the
 * body and the URL's shop claim the spool file holds (NOTIFICATION_SHOP_HEADER), and the decision is stored
 * as the route would have stored it — filed with its claim on the charge, quarantined with the charge's
 * binding, or answered as a duplicate (nothing stored) — with `Store.storeSpooled` under the id it was
 * acknowledged with: at most once, so a drain interrupted after the commit, or the route's own write that
 * timed out and committed after all, stores nothing twice.
 */
import type { FastifyInstance } from 'fastify';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { DrainedPayment, PaymentDrain } from '../spool/app-mode-drains.js';
import type { SpooledDelivery, WebhookEvent } from '../store/store.js';
import {
  fileAndStore,
  filePaymentNotification,
  type PaymentFiling,
  type PaymentFilingContext,
  readPaymentBody,
  storedShopParameter,
} from './payment-filing.js';

/** How the drainer stores a spooled payment notification (see the file's comment). */
export function paymentDrain(app: FastifyInstance, filing: PaymentFilingContext): PaymentDrain {
  return (delivery) => {
    const body = readPaymentBody(delivery.rawBody, delivery.headers['content-encoding']);
    const claim = storedShopParameter({ ...delivery, decodeError: null }) ?? { kind: 'absent' as const };
    return fileAndStore(
      () => filePaymentNotification(filing, body, claim),
      (decision) => storeDecision(app, delivery, decision),
    );
  };
}

async function storeDecision(
  app: FastifyInstance,
  delivery: SpooledDelivery,
  decision: PaymentFiling,
): Promise<DrainedPayment> {
  const { store, metrics, config } = app;
  if (decision.kind === 'duplicate') {
    const event = decision.decoded.event;
    metrics.duplicates.inc({ shop: decision.filedUnder, event });
    return { outcome: 'duplicate', shop: decision.filedUnder, event, events: 0, duplicates: 1 };
  }
  if (decision.kind === 'quarantine') {
    const { shop, failure } = decision;
    const result = await withStoreTimeout(
      'spool drain',
      store.storeSpooled(
        { ...delivery, shop },
        { failure },
        [],
        decision.binding ? { paymentBinding: decision.binding } : {},
      ),
      config.storeTimeoutMs,
    );
    if (!result.alreadyStored) metrics.quarantined.inc({ shop, event: delivery.event, code: failure.code });
    const outcome = result.alreadyStored ? 'already_stored' : 'quarantined';
    return { outcome, shop, event: delivery.event, events: 0, duplicates: 0 };
  }
  const { shop, decoded, subjectId, claim } = decision;
  const event = decoded.event as unknown as WebhookEvent;
  const result = await withStoreTimeout(
    'spool drain',
    store.storeSpooled(
      { ...delivery, shop, event },
      { events: [{ dedupeKey: decoded.dedupeKey, subjectId, payload: decoded.notification }] },
      [...app.handlers.namesFor(shop, decoded.event)],
      { paymentClaim: claim },
    ),
    config.storeTimeoutMs,
  );
  return {
    outcome: result.alreadyStored ? 'already_stored' : 'stored',
    shop,
    event: decoded.event,
    events: result.events.length,
    duplicates: result.duplicates,
  };
}
