import type { buildReceiver } from '@srhooks/receiver';

/**
 * The receiver admin API's answer shapes, derived from the receiver's own Store types (the API
 * sends those records as JSON, so dates arrive as ISO strings).
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
export type RecoveryReportJson = Jsonified<import('@srhooks/receiver').RecoveryReport>;
