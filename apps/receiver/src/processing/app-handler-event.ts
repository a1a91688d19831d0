/**
 * The events of app mode (contracts' APP_EVENTS) as handlers receive them: `app_uninstalled` (the
 * app's chance to clean up after a shop removed it) and the Payment API's `payment_status` /
 * `payment_card_change`. Module handlers get these objects; `forward` handlers the same `data`.
 */
import type {
  AppEvent,
  AppUninstalledPayload,
  PaymentCardChangeNotification,
  PaymentStatusNotification,
} from '@srhooks/contracts';
import type { ClaimedJob } from '../store/store.js';

interface AppHandlerEventBase<E extends AppEvent> {
  event: E;
  shop: string;
  eventId: string;
  deliveryId: string;
  receivedAt: Date;
  dedupeKey: string;
}

export type AppUninstalledHandlerEvent = AppHandlerEventBase<'app_uninstalled'> & {
  uninstall: AppUninstalledPayload;
};
export type PaymentStatusHandlerEvent = AppHandlerEventBase<'payment_status'> & {
  notification: PaymentStatusNotification;
};
export type PaymentCardChangeHandlerEvent = AppHandlerEventBase<'payment_card_change'> & {
  notification: PaymentCardChangeNotification;
};
export type AppHandlerEvent =
  | AppUninstalledHandlerEvent
  | PaymentStatusHandlerEvent
  | PaymentCardChangeHandlerEvent;

export function appHandlerEvent(job: ClaimedJob, event: AppEvent): AppHandlerEvent {
  const base = {
    shop: job.shop,
    eventId: job.eventId,
    deliveryId: job.deliveryId,
    receivedAt: job.receivedAt,
    dedupeKey: job.dedupeKey,
  };
  if (event === 'app_uninstalled') {
    return { ...base, event, uninstall: job.payload as AppUninstalledPayload };
  }
  if (event === 'payment_status') {
    return { ...base, event, notification: job.payload as PaymentStatusNotification };
  }
  return { ...base, event, notification: job.payload as PaymentCardChangeNotification };
}
