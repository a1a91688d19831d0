export interface RequestWindowOptions {
  /** Requests allowed within one window (ShopRenter: 3). */
  limit: number;
  /** The window in ms (ShopRenter: 1000), plus any safety margin. */
  windowMs: number;
  now?: () => number;
  /** Starts the wake-up timer (default: a ref'd setTimeout). */
  setTimer?: (callback: () => void, ms: number) => unknown;
  /** Cancels a timer `setTimer` returned (default: clearTimeout). */
  clearTimer?: (timer: unknown) => void;
}

export interface RequestSlot {
  /** Ms this request waited for its slot. */
  readonly waitedMs: number;
  /** Call once the response (or the failure) has arrived. */
  release(): void;
}

interface Waiter {
  readonly since: number;
  readonly resolve: (slot: RequestSlot) => void;
  /** Detaches the abort listener once the waiter is served. */
  readonly settle: () => void;
}

/**
 * Client-side guard for a server's sliding-window rate limit ("at most `limit` requests in any
 * `windowMs`"), robust against latency and jitter: a token bucket of `limit` tokens in which a
 * token comes back `windowMs` after the response of the request that used it has arrived.
 *
 * Why after the response: the server counts a request when it arrives, which is somewhere
 * between our send and the response. If request k+limit is sent no earlier than `windowMs` after
 * the response of request k, then its arrival is at least `windowMs` after request k's arrival,
 * however the network or a busy event loop stretched or squeezed the gaps. A plain token bucket
 * spacing sends by 1/rate cannot promise that (a delayed request followed by a prompt one lands
 * closer together than they were sent). Callers are served first come, first served.
 *
 * The wake-up timer is an ordinary (ref'd) timer: a caller waiting for a slot is pending work, so
 * it keeps the process alive until it is served — a CLI whose only pending work is that wait
 * must not exit half-way (with `unref`, Node exited with code 13 from an unsettled top-level await
 * and the change was never made). A timer exists only while someone waits: it is cancelled when
 * the queue empties (so a server shutting down is not held open by it), and a caller whose
 * request is aborted leaves the queue at once.
 */
export class RequestWindow {
  readonly limit: number;
  readonly windowMs: number;
  private readonly freeAt: number[];
  private readonly queue: Waiter[] = [];
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private timer: { due: number; handle: unknown } | undefined;

  constructor(options: RequestWindowOptions) {
    if (!(Number.isInteger(options.limit) && options.limit >= 1)) {
      throw new RangeError('limit must be a whole number of at least 1');
    }
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be a positive number');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.freeAt = new Array<number>(options.limit).fill(Number.NEGATIVE_INFINITY);
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /**
   * Waits for a free slot; resolve order is call order. When `signal` aborts first, the caller
   * leaves the queue and the promise rejects with the signal's reason.
   */
  acquire(signal?: AbortSignal): Promise<RequestSlot> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        this.pump();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        since: this.now(),
        resolve,
        settle: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Requests currently on the wire. */
  get inFlight(): number {
    return this.freeAt.filter((at) => at === Number.POSITIVE_INFINITY).length;
  }

  private pump(): void {
    if (this.queue.length === 0) this.cancelTimer();
    while (this.queue.length > 0) {
      const now = this.now();
      let index = 0;
      for (let i = 1; i < this.freeAt.length; i++) {
        if ((this.freeAt[i] as number) < (this.freeAt[index] as number)) index = i;
      }
      const earliest = this.freeAt[index] as number;
      if (earliest > now) {
        if (Number.isFinite(earliest)) this.wakeAt(earliest);
        return;
      }
      const waiter = this.queue.shift() as Waiter;
      waiter.settle();
      if (this.queue.length === 0) this.cancelTimer();
      this.freeAt[index] = Number.POSITIVE_INFINITY;
      let released = false;
      waiter.resolve({
        waitedMs: now - waiter.since,
        release: () => {
          if (released) return;
          released = true;
          this.freeAt[index] = this.now() + this.windowMs;
          this.pump();
        },
      });
    }
  }

  private wakeAt(due: number): void {
    if (this.timer !== undefined && this.timer.due <= due) return;
    this.cancelTimer();
    const handle = this.setTimer(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, due - this.now()),
    );
    this.timer = { due, handle };
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.clearTimer(this.timer.handle);
    this.timer = undefined;
  }
}
