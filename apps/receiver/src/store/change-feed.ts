import type { ClaimedJob, StoreChange, StoreChangeListener } from './store.js';

/** The changes a claim announces: each claimed job is now running. */
export function claimedJobChanges(claimed: readonly ClaimedJob[]): StoreChange[] {
  return claimed.map((job) => ({
    kind: 'job',
    jobId: job.id,
    eventId: job.eventId,
    handler: job.handler,
    status: 'running',
  }));
}

/** In-process listeners notified after commits; a throwing listener never breaks the store or other listeners. */
export class ChangeFeed {
  readonly #listeners = new Set<StoreChangeListener>();

  subscribe(listener: StoreChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(changes: readonly StoreChange[]): void {
    if (this.#listeners.size === 0) return;
    for (const change of changes) {
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch {
          // A listener's bug (e.g. a closed SSE socket) must not fail the write that already committed.
        }
      }
    }
  }
}
