import type {
  AdminDeliveryDetail,
  BackfillResult,
  buildReceiver,
  DeadLetterReplayAnswer,
  DisabledHandlerNote,
  EraseRequest,
  ErasureReport,
  HandlerOverview,
  MarkUninstalledAnswer,
  RecoveryReport,
  ReprocessRequest,
  ShopJson,
} from '@srhooks/receiver';

/**
 * The receiver admin API's answer shapes, derived from the receiver's own Store types and the types of
 * what its admin routes send (the API sends those records as JSON, so dates arrive as ISO strings).
 */
type ReceiverStore = Awaited<ReturnType<typeof buildReceiver>>['store'];

export type Jsonified<T> = T extends Date
  ? string
  : T extends Buffer
    ? unknown
    : T extends readonly (infer Item)[]
      ? Jsonified<Item>[]
      : T extends object
        ? { [Key in keyof T]: Jsonified<T[Key]> }
        : T;

export type EventSummaryJson = Jsonified<Awaited<ReturnType<ReceiverStore['listEvents']>>['items'][number]>;
export type EventDetailJson = Jsonified<NonNullable<Awaited<ReturnType<ReceiverStore['getEvent']>>>>;
export type JobJson = Jsonified<Awaited<ReturnType<ReceiverStore['replayEvent']>>['jobs'][number]>;
export type DeadLetterJson = Jsonified<Awaited<ReturnType<ReceiverStore['listDeadLetters']>>[number]>;
export type RecoveryReportJson = Jsonified<RecoveryReport>;
export type DeliverySummaryJson = Jsonified<
  Awaited<ReturnType<ReceiverStore['listDeliveries']>>['items'][number]
>;
/** `GET /deliveries/:id`: the raw body as `{text, base64, bytes}`. */
export type DeliveryDetailJson = Jsonified<AdminDeliveryDetail>;
/** `POST /deliveries/:id/reprocess`: what the store's re-process stored. */
export type ReprocessResultJson = Jsonified<Awaited<ReturnType<ReceiverStore['reprocessQuarantined']>>>;
export type ReprocessRequestJson = ReprocessRequest;
export type HandlerOverviewJson = Jsonified<HandlerOverview>;
/** `POST /personal-data/erase`: what it takes and what it answers (ids and counts, never the data). */
export type EraseRequestJson = EraseRequest;
export type ErasureReportJson = Jsonified<ErasureReport>;
/** `POST /events/backfill`: what a backfill replayed (or would), and what it left out and why. */
export type BackfillResultJson = Jsonified<BackfillResult>;
/** `POST /dead-letters/replay`: the dead letters replayed, those left and why, the disabled handlers among them. */
export type DeadLetterReplayJson = Jsonified<DeadLetterReplayAnswer>;
/**
 * A disabled handler whose queued jobs wait until it is enabled, and who disabled it (`target`: its
 * forward target answered 410 Gone; `operator`: `handlers disable`): the receiver's own shape, as its
 * dead-letter replay answers it, for every command that names one (`dead-letters retry`, `events
 * replay`, `events show`).
 */
export type DisabledHandlerJson = DisabledHandlerNote;
/** The fields of `GET /shops`' items that receivers before them do not send. */
type LaterShopFields = 'recovery' | 'recoveryFailures' | 'recoveryError' | 'reconcile';
/**
 * `GET /shops`: one shop the receiver serves, as the receiver types it (`subscriptions: null`: a config shop
 * none are configured for, whose subscriptions the receiver does not know); the fields older receivers do
 * not send are optional.
 */
export type ShopItemJson = Omit<ShopJson, LaterShopFields> & Partial<Pick<ShopJson, LaterShopFields>>;
/** `POST /shops/:shop/uninstall`: an app shop marked uninstalled by an operator. */
export type MarkUninstalledJson = MarkUninstalledAnswer;

/** A list route's query string: the store filter's fields, as text or numbers. */
export type AdminQuery<Filter> = { [Key in keyof Required<Filter>]: string | number | undefined };
export type DeliveryQuery = AdminQuery<NonNullable<Parameters<ReceiverStore['listDeliveries']>[0]>>;

export type DeliveryStatus = DeliverySummaryJson['status'];
export type EventStatus = EventSummaryJson['status'];
export type EventSource = DeliverySummaryJson['source'];

/**
 * `values` as a list, checked at compile time to hold every member of `Union` (for `--status` choices
 * and the like, written out in the light wiring files, which must not load the receiver).
 */
export function everyOf<Union extends string>() {
  return <const List extends readonly Union[]>(
    values: List &
      ([Exclude<Union, List[number]>] extends [never] ? unknown : { missing: Exclude<Union, List[number]> }),
  ): List => values;
}
