/**
 * The Store's personal data erasure (GDPR art. 17): which stored deliveries and events hold one person's
 * data, and erasing it from them while keeping what the receiver needs to stay correct (see
 * `erase-plan.ts` and docs/operations.md, "Erasing a customer's personal data").
 */

/**
 * Whose data: an e-mail address (exact, case-insensitive), an order (shop and order innerId), a newsletter
 * subscriber (shop and id), or several (any matches).
 */
export interface ErasureCriteria {
  /**
   * The customer's or subscriber's e-mail address; matched exactly, ignoring case, surrounding blanks and
   * Unicode composition (NFC and NFD forms are the same address: `normalisedEmail`).
   */
  email?: string;
  /** Only this shop's deliveries and events (with `email`). */
  shop?: string;
  /** An order of a shop: its order events (every status change, duplicates included). */
  order?: { shop: string; innerId: string };
  /** A newsletter subscriber of a shop (its id): its newsletter events (subscribe, update, unsubscribe). */
  subscriber?: { shop: string; id: string };
  /** These events, by id (the store's own use: late duplicates of erased events, late-duplicates.ts). */
  eventIds?: string[];
}

export interface ErasureOptions extends ErasureCriteria {
  /**
   * The operator's reference of the request (a ticket number, "GDPR-2026-014"), stored with each erased
   * row. Never personal data: the caller checks it is no e-mail address or phone number.
   */
  reason: string;
  /** Find and count only: nothing is written. */
  dryRun: boolean;
  /**
   * Cancel the matched events' unfinished (pending or running) jobs: they end `dead` with a summary saying
   * why. Without it a (non-dry) erasure that finds unfinished jobs writes nothing (`blocked`).
   */
  includeUnfinished: boolean;
  now?: Date;
}

/** One matched event, before the erasure (no personal data). */
export interface ErasedEventRef {
  id: string;
  deliveryId: string;
  shop: string;
  event: string;
  /** The event's status when it was matched. */
  status: string;
}

/** One matched delivery: the delivery of a matched event, or a quarantined one whose raw body holds the e-mail address. */
export interface ErasedDeliveryRef {
  id: string;
  shop: string;
  event: string;
  status: string;
}

export interface ErasureResult {
  dryRun: boolean;
  /** True when the erasure was written (not a dry run, not blocked). */
  erased: boolean;
  /** Unfinished jobs were found and `includeUnfinished` was not given: nothing was written. */
  blocked: boolean;
  events: ErasedEventRef[];
  deliveries: ErasedDeliveryRef[];
  /** Jobs of the matched events (their status and counts are kept; their error texts are cleared). */
  jobs: number;
  /** The matched events' pending or running jobs (ids). */
  unfinishedJobs: string[];
  /** Of those, cancelled by this erasure (0 in a dry run or when blocked). */
  cancelledJobs: number;
  /**
   * The orders whose events it matched by the e-mail address (its `email` or `email_hash`) or was given
   * (`order`), and the newsletter subscribers whose events it matched by the address or was given
   * (`subscriber`): the deliveries of
   * these that have not reached the store (the spool folder, erase-spool.ts) name the person too,
   * without the address.
   */
  orders: Array<{ shop: string; innerId: string }>;
  subscribers: Array<{ shop: string; id: string }>;
}
