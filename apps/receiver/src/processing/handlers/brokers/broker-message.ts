/**
 * What every broker handler publishes for one job: the same body as `forward` (the Standard Webhooks
 * JSON event, see forwarded-event.ts), a message id, and four attributes (headers in NATS and AMQP,
 * fields in Redis) so consumers can route without parsing the body.
 *
 * Message id: the event id, so a re-publish after a crash (the job ran again) carries the same id and a
 * broker that deduplicates (JetStream's `Nats-Msg-Id`) drops it. An explicit replay is meant to be seen
 * again, so after a replay the id is `<eventId>:replay-<n>` (n = the job's first attempt number since
 * that replay): new for each replay, stable across that replay's own retries and crash re-runs.
 */
import type { ClaimedJob } from '../../../store/store.js';
import { forwardedEvent } from '../../forwarded-event.js';

export interface BrokerMessage {
  /** JSON of the Standard Webhooks event, as `forward` POSTs it. */
  body: Buffer;
  messageId: string;
  /** `shoprenter.order_confirm`, … */
  type: string;
  shop: string;
  eventId: string;
  /** Where the event came from: `delivery/<deliveryId>` (the stored delivery, shown in the inspector). */
  source: string;
}

export function brokerMessageId(job: Pick<ClaimedJob, 'eventId' | 'firstAttempt'>): string {
  const first = job.firstAttempt ?? 1;
  return first > 1 ? `${job.eventId}:replay-${first}` : job.eventId;
}

export function brokerMessage(job: ClaimedJob): BrokerMessage {
  const event = forwardedEvent(job);
  return {
    body: Buffer.from(JSON.stringify(event)),
    messageId: brokerMessageId(job),
    type: event.type,
    shop: job.shop,
    eventId: job.eventId,
    source: `delivery/${job.deliveryId}`,
  };
}

/** `shoprenter.{shop}.{event}` → `shoprenter.demo.order_confirm`. */
export function renderTemplate(template: string, job: Pick<ClaimedJob, 'shop' | 'event'>): string {
  return template.replace(/\{(shop|event)\}/g, (_match, name: 'shop' | 'event') => job[name]);
}
