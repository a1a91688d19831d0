/**
 * A late duplicate of an erased event: the shop (or an operator re-sending it) delivers an order whose
 * personal data was erased. Dedupe still recognises it (the dedupe key is kept), so no handler runs for it;
 * but its own payload and raw body hold the data again. Both stores erase such duplicates right after
 * they are stored (a transaction of its own, only when a stored duplicate's original was erased), under
 * {@link LATE_DUPLICATE_REASON}; the original names the request.
 *
 * That erasure is a second write after the delivery's commit, so it can fail (the database went away in
 * between) or never run (the process ended in between). Neither may undo what was stored — the delivery
 * is stored and is answered so — nor leave the data: a failed erasure is retried by a sweep over the
 * store ({@link LateDuplicateEraser}: every stored duplicate whose original is erased and which is not
 * erased itself), after 1 s, doubling up to a minute, until it succeeds; and every store runs that sweep
 * once its schema is migrated (a start after a crash).
 */
import { BackgroundRetry } from './background-retry.js';
import type { ErasureOptions, ErasureResult } from './types/erasure-types.js';
import type { IngestedEvent } from './types/ingest-types.js';
import type { EventDetail } from './types/read-types.js';

/** What the sweep reads: stored duplicates whose original was erased, not erased themselves (a page). */
export const UNERASED_LATE_DUPLICATES_PAGE = 500;
export const UNERASED_LATE_DUPLICATES_SQL = `SELECT d.id FROM events d JOIN events o ON o.id = d.duplicate_of
  WHERE d.duplicate_of IS NOT NULL AND d.erased_at IS NULL AND o.erased_at IS NOT NULL
  ORDER BY d.id LIMIT ${UNERASED_LATE_DUPLICATES_PAGE}`;

export const LATE_DUPLICATE_REASON = 'late duplicate of an erased event (its original names the request)';

export interface LateDuplicateStore {
  getEvent(id: string): Promise<EventDetail | null>;
  erasePersonalData(options: ErasureOptions): Promise<ErasureResult>;
  /** The ids {@link UNERASED_LATE_DUPLICATES_SQL} reads (one page). */
  unerasedLateDuplicates(): Promise<string[]>;
}

function eraseAsLateDuplicates(store: LateDuplicateStore, eventIds: string[]): Promise<ErasureResult> {
  return store.erasePersonalData({
    eventIds,
    reason: LATE_DUPLICATE_REASON,
    dryRun: false,
    includeUnfinished: false,
  });
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
  await eraseAsLateDuplicates(
    store,
    late.map((event) => event.id),
  );
}

/** Every late duplicate not erased yet, erased (page by page); how many. Rejects when a read or erasure fails. */
export async function sweepLateDuplicates(store: LateDuplicateStore): Promise<number> {
  let erased = 0;
  for (;;) {
    const ids = await store.unerasedLateDuplicates();
    if (ids.length === 0) return erased;
    await eraseAsLateDuplicates(store, ids);
    erased += ids.length;
    if (ids.length < UNERASED_LATE_DUPLICATES_PAGE) return erased;
  }
}

/** The first wait before a failed late-duplicate erasure is tried again (by a sweep), then doubled. */
export const LATE_DUPLICATE_FIRST_RETRY_MS = 1000;
/** The longest wait between sweeps while they fail. */
export const LATE_DUPLICATE_MAX_RETRY_MS = 60_000;

/**
 * A store's late-duplicate erasure: right after each store of a delivery ({@link afterStored}), and by a
 * sweep when that failed, or when the store's schema was just migrated ({@link sweepSoon}), retried while
 * it fails (background-retry.ts: a duplicate stored while a sweep runs gets one more sweep after it).
 * Timers do not keep the process alive; {@link close} ends them.
 */
export class LateDuplicateEraser {
  readonly #store: LateDuplicateStore;
  readonly #sweeps: BackgroundRetry;

  constructor(store: LateDuplicateStore) {
    this.#store = store;
    this.#sweeps = new BackgroundRetry(
      async () => {
        await sweepLateDuplicates(store);
      },
      { firstRetryMs: LATE_DUPLICATE_FIRST_RETRY_MS, maxRetryMs: LATE_DUPLICATE_MAX_RETRY_MS },
    );
  }

  /**
   * `stored`, resolved once its late duplicates are erased — or once that erasure failed, which leaves the
   * store's result as it was (the delivery is stored) and a sweep to erase them. The stores chain it
   * instead of awaiting the write in an async method: an async method's frame would keep the events it was
   * given — decoded orders, their personal data and size — alive while the commit is awaited
   * (routes/hooks/in-flight-memory.test.ts).
   */
  afterStored<T extends { events: readonly IngestedEvent[] }>(stored: Promise<T>): Promise<T> {
    return stored.then(async (result) => {
      try {
        await eraseLateDuplicates(this.#store, result.events);
      } catch {
        this.#sweeps.request(LATE_DUPLICATE_FIRST_RETRY_MS);
      }
      return result;
    });
  }

  /** A sweep in the background, now (retried while it fails). */
  sweepSoon(): void {
    this.#sweeps.request(0);
  }

  close(): void {
    this.#sweeps.close();
  }
}
