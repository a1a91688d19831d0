import type { buildReceiver } from '@srhooks/receiver';

/** Types of the embedded receiver, derived from its own API (nothing copied by hand). */
export type Receiver = Awaited<ReturnType<typeof buildReceiver>>;
export type ReceiverStore = Receiver['store'];
export type StoreChange = Parameters<Parameters<ReceiverStore['onChange']>[0]>[0];
export type DeliveryChange = Extract<StoreChange, { kind: 'delivery' }>;
export type JobChange = Extract<StoreChange, { kind: 'job' }>;
export type EventSummary = Awaited<ReturnType<ReceiverStore['listEvents']>>['items'][number];
export type DeliverySummary = Awaited<ReturnType<ReceiverStore['listDeliveries']>>['items'][number];
export type EventDetail = NonNullable<Awaited<ReturnType<ReceiverStore['getEvent']>>>;
export type JobOfEvent = EventDetail['jobs'][number];
