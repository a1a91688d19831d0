/**
 * Adaptive batching for an asynchronous sink (group commit for PostgreSQL): items go out at once while a
 * call slot is free; while all `maxInFlight` calls are busy, new items queue and the next free slot takes
 * them all (up to `maxBatch`) in one call. Low load adds no latency; high load makes batches grow.
 */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown; retry: boolean };

export interface AdaptiveBatcherOptions {
  maxInFlight: number;
  maxBatch: number;
  /** How often an item whose outcome says `retry` is queued again before it is rejected. */
  maxRetries: number;
}

interface Queued<T, R> {
  item: T;
  retries: number;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class AdaptiveBatcher<T, R> {
  readonly #send: (items: T[]) => Promise<Array<ItemOutcome<R>>>;
  readonly #options: AdaptiveBatcherOptions;
  readonly #queue: Array<Queued<T, R>> = [];
  #inFlight = 0;
  #scheduled = false;
  readonly #onBatch: (size: number, durationMs: number) => void;

  constructor(
    send: (items: T[]) => Promise<Array<ItemOutcome<R>>>,
    options: AdaptiveBatcherOptions,
    onBatch: (size: number, durationMs: number) => void = () => {},
  ) {
    this.#send = send;
    this.#options = {
      maxInFlight: Math.max(1, Math.floor(options.maxInFlight)),
      maxBatch: Math.max(1, Math.floor(options.maxBatch)),
      maxRetries: Math.max(0, Math.floor(options.maxRetries)),
    };
    this.#onBatch = onBatch;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, retries: 0, resolve, reject });
      this.#schedule();
    });
  }

  /** Items submitted in the same synchronous run (e.g. a Promise.all) share the first call. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#inFlight += 1;
      void this.#call(batch).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  async #call(batch: Array<Queued<T, R>>): Promise<void> {
    let outcomes: Array<ItemOutcome<R>>;
    try {
      const started = performance.now();
      outcomes = await this.#send(batch.map((queued) => queued.item));
      this.#onBatch(batch.length, performance.now() - started);
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) {
        queued.reject(new Error('the batch call returned no outcome for this item'));
      } else if (outcome.ok) {
        queued.resolve(outcome.value);
      } else if (outcome.retry && queued.retries < this.#options.maxRetries) {
        queued.retries += 1;
        this.#queue.push(queued);
      } else {
        queued.reject(outcome.error);
      }
    });
  }
}
