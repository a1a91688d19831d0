import type { buildReceiver } from '@srhooks/receiver';

/** Types of the embedded receiver, derived from its own API (nothing copied by hand). */
export type Receiver = Awaited<ReturnType<typeof buildReceiver>>;
export type ReceiverStore = Receiver['store'];
export type StoreChange = Parameters<Parameters<ReceiverStore['onChange']>[0]>[0];
export type EventSummary = Awaited<ReturnType<ReceiverStore['listEvents']>>['items'][number];
