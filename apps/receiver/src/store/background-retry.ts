/**
 * A store's background work that must get done and is tried again while it fails: the late-duplicate
 * sweep (late-duplicates.ts) and the search-text rebuild pass (search-text-rebuild.ts). A run is asked
 * for with {@link BackgroundRetry.request}; a run that fails is tried again after the first retry wait,
 * doubled after each failure up to the longest; a run that succeeds (or {@link BackgroundRetry.progressed})
 * brings the wait back to the first. A request while a run is in flight asks for one more run after it
 * (the running one may have read what it works on before the request's cause was stored). Timers do not
 * keep the process alive; {@link BackgroundRetry.close} ends them and refuses later requests.
 */
export interface BackgroundRetryOptions {
  /** The first wait before a failed run is tried again, then doubled. */
  readonly firstRetryMs: number;
  /** The longest wait between runs while they fail. */
  readonly maxRetryMs: number;
}

export class BackgroundRetry {
  readonly #work: () => Promise<void>;
  readonly #options: BackgroundRetryOptions;
  #timer: NodeJS.Timeout | null = null;
  #retryMs: number;
  #running = false;
  #again = false;
  #closed = false;

  constructor(work: () => Promise<void>, options: BackgroundRetryOptions) {
    this.#work = work;
    this.#options = options;
    this.#retryMs = options.firstRetryMs;
  }

  /**
   * A run after `delayMs`: nothing more when one is waiting for its timer already, one more after the
   * running one when a run is in flight, nothing once closed.
   */
  request(delayMs: number): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => this.#run(), delayMs);
    this.#timer.unref();
  }

  /** The run in flight got part of its work done: its next failure waits the first retry wait again. */
  progressed(): void {
    this.#retryMs = this.#options.firstRetryMs;
  }

  /** No run after the one in flight, if any (which is left to settle). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #run(): void {
    this.#timer = null;
    this.#running = true;
    this.#again = false;
    this.#work().then(
      () => {
        this.#running = false;
        this.#retryMs = this.#options.firstRetryMs;
        if (this.#again) this.request(0);
      },
      () => {
        this.#running = false;
        const wait = this.#retryMs;
        this.#retryMs = Math.min(this.#retryMs * 2, this.#options.maxRetryMs);
        this.request(wait);
      },
    );
  }
}
