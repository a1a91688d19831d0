/**
 * `srhooks_pruned_total`: rows a prune deleted, by kind and by what ran it — `retention` (the
 * SRHOOKS_RETENTION_DAYS schedule) or `admin` (`POST /admin/api/prune`, `srhooks prune`). A dry run
 * deletes nothing and counts nothing.
 */
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { PruneCounts } from '../store/prune-plan.js';

export type PrunedBy = 'retention' | 'admin';

export function countPruned(metrics: ReceiverMetrics, counts: PruneCounts, by: PrunedBy): void {
  for (const kind of ['deliveries', 'events', 'jobs'] as const) {
    if (counts[kind] > 0) metrics.pruned.inc({ kind, by }, counts[kind]);
  }
  if ((counts.paymentBindings ?? 0) > 0)
    metrics.pruned.inc({ kind: 'payment_bindings', by }, counts.paymentBindings);
}
