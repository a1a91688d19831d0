/**
 * The app events' names, apart from their payloads' schemas (payment-notification.ts, with zod): a
 * module that only names or tells events (`srhooks events show`) loads this one alone
 * (`@srhooks/contracts/app-events`).
 */

/** The Payment API's notifications (FACTS.md §8), in srhooks' names. */
export const PAYMENT_EVENTS = ['payment_status', 'payment_card_change'] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

/**
 * Events a platform app receives besides the six webhook events (FACTS.md §7, §8): the app was
 * uninstalled from a shop, and the Payment API's notifications. They are srhooks' names, not
 * ShopRenter's: ShopRenter calls the UninstallUri and POSTs to the notificationUrl.
 */
export const APP_EVENTS = ['app_uninstalled', ...PAYMENT_EVENTS] as const;
export type AppEvent = (typeof APP_EVENTS)[number];

const appEventSet: ReadonlySet<string> = new Set(APP_EVENTS);

export function isAppEvent(value: unknown): value is AppEvent {
  return typeof value === 'string' && appEventSet.has(value);
}

/** The payload of an `app_uninstalled` event. */
export interface AppUninstalledPayload {
  shop: string;
  /** ISO 8601. */
  uninstalledAt: string;
  /** Jobs of this shop that had not run yet and were cancelled. */
  cancelledJobs: number;
  /**
   * Who told the receiver: `shoprenter` (its call to the app's UninstallUri) or `operator` (an admin
   * marked the shop uninstalled because that call never arrived: `POST /admin/api/shops/{shop}/uninstall`,
   * `srhooks app mark-uninstalled`). Absent in events stored before receivers said it.
   */
  uninstalledBy?: AppUninstalledBy;
}

/** Who told the receiver a shop uninstalled the app (see `AppUninstalledPayload.uninstalledBy`). */
export type AppUninstalledBy = 'shoprenter' | 'operator';
