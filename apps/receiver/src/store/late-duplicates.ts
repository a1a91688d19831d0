/**
 * A late duplicate of an erased event: the shop (or an operator re-sending it) delivers an order whose
 * personal data was erased. Dedupe still recognises it (the dedupe key is kept), so no handler runs for it;
 * but its own payload and raw body hold the data again. Both stores erase such duplicates right after
 * they are stored (a transaction of its own, only when a stored duplicate's original was erased), under
 * {@link LATE_DUPLICATE_REASON}; the original names the request.
 */
import type { ErasureOptions, ErasureResult } from './types/erasure-types.js';
import type { IngestedEvent } from './types/ingest-types.js';
import type { EventDetail } from './types/read-types.js';

export const LATE_DUPLICATE_REASON = 'late duplicate of an erased event (its original names the request)';

export interface LateDuplicateStore {
  getEvent(id: string): Promise<EventDetail | null>;
  erasePersonalData(options: ErasureOptions): Promise<ErasureResult>;
}

/** Erases the just-stored duplicates whose original was erased; nothing (and no write) when there are none. */
export async function eraseLateDuplicates(
  store: LateDuplicateStore,
  events: readonly IngestedEvent[],
): Promise<void> {
  const duplicates = events.filter((event) => event.duplicateOf !== null);
  if (duplicates.length === 0) return;
  const erasedOriginals = new Set<string>();
  for (const original of new Set(duplicates.map((event) => event.duplicateOf ?? ''))) {
    if ((await store.getEvent(original))?.erasure !== undefined) erasedOriginals.add(original);
  }
  const late = duplicates.filter((event) => erasedOriginals.has(event.duplicateOf ?? ''));
  if (late.length === 0) return;
  await store.erasePersonalData({
    eventIds: late.map((event) => event.id),
    reason: LATE_DUPLICATE_REASON,
    dryRun: false,
    includeUnfinished: false,
  });
}

/**
 * `stored`, resolved once its late duplicates are erased. The stores chain it instead of awaiting the write
 * in an async method: an async method's frame would keep the events it was given — decoded orders, their
 * personal data and size — alive while the commit is awaited (routes/hooks/in-flight-memory.test.ts).
 */
export function withLateDuplicatesErased<T extends { events: readonly IngestedEvent[] }>(
  store: LateDuplicateStore,
  stored: Promise<T>,
): Promise<T> {
  return stored.then(async (result) => {
    await eraseLateDuplicates(store, result.events);
    return result;
  });
}
