/**
 * The values the admin API's filters accept (delivery and event statuses, event sources): one list each,
 * used by the API's schemas, the inspector and the request log, and by the srhooks CLI for its options'
 * choices through the light export `@srhooks/receiver/admin-values` (nothing else of the receiver loads);
 * and the summary of a job an erasure cancelled, by which `events tail` tells it from a dead letter.
 */
import type { DeliveryStatus, EventStatus } from '../store/store.js';

export { CANCELLED_BY_ERASURE } from '../store/erasure-cancellation.js';
export { EVENT_SOURCES } from '../store/recovery-records.js';

export const DELIVERY_STATUSES = [
  'stored',
  'quarantined',
  'reprocessed',
] as const satisfies readonly DeliveryStatus[];
export const EVENT_STATUSES = [
  'stored',
  'pending',
  'retrying',
  'succeeded',
  'dead',
  'duplicate',
  'held',
] as const satisfies readonly EventStatus[];
