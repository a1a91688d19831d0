/** The Store's ingest writes: what the ingest path hands it (deliveries, events) and what it answers. */

import type { WebhookEvent } from '@srhooks/contracts';
import type { PaymentBindingTouch, PaymentClaimWrite } from '../payment-claim.js';
import type { EventSource } from '../recovery-records.js';

export interface NewDelivery {
  /** From the signed URL. */
  shop: string;
  event: WebhookEvent;
  receivedAt: Date;
  remoteAddress: string;
  /** Already stripped of secrets. */
  headers: Record<string, string>;
  contentType: string;
  rawBody: Buffer;
  /** `recovery` for the record of a recovery pass (its events were read back from the API); default `webhook`. */
  source?: EventSource;
  /**
   * The id to store it under (a `dlv_` id, `newId('dlv', receivedAt)`); default a new one. The ingest path
   * allocates it before the store call, so a delivery it spools after that call failed (spool/) carries
   * the id the store would have given it, and a call that committed after all is found by that id.
   */
  id?: string;
}

/** A delivery the receiver spooled while the store was unavailable (spool/): it has its id already. */
export type SpooledDelivery = NewDelivery & { id: string };

/** What a spooled delivery decoded to when it is drained: its events, or why it is quarantined. */
export type SpooledContent = { events: NewEvent[] } | { failure: DecodeFailure };

/** The answer of `Store.storeSpooled`. */
export interface SpooledStoreResult {
  deliveryId: string;
  /** True when a delivery with this id was stored already (nothing was written this time). */
  alreadyStored: boolean;
  /** The events stored this time (none when already stored or quarantined). */
  events: IngestedEvent[];
  duplicates: number;
}

export interface NewEvent {
  /** contracts' `dedupeKey(shop, event, item)`. */
  dedupeKey: string;
  /** Order innerId / subscriber id. */
  subjectId: string | null;
  /** Normalised item (JSON-serialisable). */
  payload: unknown;
}

export interface IngestedEvent {
  id: string;
  dedupeKey: string;
  /** Id of the earlier event with the same dedupe key, or null for a new event. */
  duplicateOf: string | null;
}

export interface IngestResult {
  deliveryId: string;
  events: IngestedEvent[];
  duplicates: number;
}

export type { PaymentBindingTouch, PaymentClaimWrite };

/** Options of `Store.ingest`. */
export interface IngestOptions {
  /**
   * A Payment API notification's claim on its charge (payment-claim.ts), written in the same transaction:
   * PaymentClaimConflictError (nothing stored) when the charge is bound to another shop by then.
   */
  paymentClaim?: PaymentClaimWrite;
}

/** Options of `Store.quarantine`. */
export interface QuarantineOptions {
  /**
   * A Payment API notification quarantined for its charge's binding (`shop_mismatch`, `unknown_shop` of a
   * bound charge): the binding is touched in the same transaction (payment-claim.ts `touchPaymentBinding`),
   * so retention cannot prune it under the quarantined notification; PaymentClaimConflictError (nothing
   * stored) when it is gone or bound to another shop by then.
   */
  paymentBinding?: PaymentBindingTouch;
}

/**
 * Options of `Store.storeSpooled`: a spooled Payment API notification carries what its filing decided
 * when it is drained — the claim of a notification filed (as `ingest`), or the binding of one
 * quarantined for it (as `quarantine`) — written only when the delivery is stored this time.
 */
export type SpooledStoreOptions = IngestOptions &
  QuarantineOptions & {
    /** When it is drained (its `storedAt`); default the time of its write. */
    now?: Date;
  };

/** Options of `Store.reprocessQuarantined`. */
export interface ReprocessOptions {
  now?: Date;
  /** File the delivery and its events under this shop and event (default: those it was quarantined under). */
  fileAs?: { shop: string; event: string };
  /** As for `ingest`: the claim is written in the same transaction. */
  paymentClaim?: PaymentClaimWrite;
}

/**
 * Where a delivery failed to decode (contracts' DeliveryDecodeError): the layer (`part`: body,
 * content-type, form, document, envelope, field), the field's `path`, and the offending `value` (from
 * the body: may be personal data, masked in views). Each only when the failure has it.
 */
export interface DecodeFailureDetail {
  part?: string;
  path?: string;
  value?: unknown;
}

/** Why a delivery is quarantined, as written. */
export interface DecodeFailure {
  code: string;
  /** The decoder's message whole (it may quote the sender's value: views mask it). */
  message: string;
  /** Absent: nothing is known of part, path or value (stored as recorded-but-empty). */
  detail?: DecodeFailureDetail;
}

/** Why a delivery was quarantined, as read. */
export interface StoredDecodeFailure {
  code: string;
  message: string;
  /**
   * Null for a delivery quarantined by a receiver that did not record part, path and value yet
   * (SQLite schema version 14, PostgreSQL 17); `{}` when the failure had none.
   */
  detail: DecodeFailureDetail | null;
}
