import type { DeliveryFormat, WebhookEvent } from '@srhooks/contracts';

export type DeliveryState = 'scheduled' | 'in_flight' | 'delivered' | 'failed';

/**
 * One delivery of one event to one subscription URL, recorded from the moment it is scheduled.
 * ShopRenter does not retry, so there is exactly one attempt per (event, subscription URL).
 */
export interface DeliveryAttempt {
  id: string;
  shop: string;
  /** The webHooks id of the subscription. */
  subscriptionId: string;
  event: WebhookEvent;
  url: string;
  format: DeliveryFormat;
  /** scheduled → in_flight → delivered (2xx answer) | failed (other answer, network error, timeout). */
  state: DeliveryState;
  /** HTTP status the receiver answered, when it answered. */
  status?: number;
  /** Time from sending the headers to the end of the answer; null until attempted. */
  durationMs: number | null;
  error?: string;
  /** First 2 KiB of the receiver's answer. */
  responseBody?: string;
  /** When the event happened (ISO 8601). */
  createdAt: string;
  /** When the delivery is due: createdAt + webHookDelay / timeScale (ISO 8601). */
  scheduledFor: string;
  /** When the attempt started (ISO 8601); null until attempted. */
  at: string | null;
  /** The `data` form field exactly as sent (JSON or XML document). */
  data: string;
  /** Set on a late delivery (the `late-deliver` fault): the id of the failed delivery it repeats. */
  lateOf?: string;
}
