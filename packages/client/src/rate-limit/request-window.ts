export interface RequestWindowOptions {
  /** Requests allowed within one window (ShopRenter: 3). */
  limit: number;
  /** The window in ms (ShopRenter: 1000), plus any safety margin. */
  windowMs: number;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
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
 */
export class RequestWindow {
  readonly limit: number;
  readonly windowMs: number;
  private readonly freeAt: number[];
  private readonly queue: Waiter[] = [];
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private timerDue: number | undefined;

  constructor(options: RequestWindowOptions) {
    if (!(Number.isInteger(options.limit) && options.limit >= 1)) {
      throw new RangeError('limit must be a whole number of at least 1');
    }
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be a positive number');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.freeAt = new Array<number>(options.limit).fill(Number.NEGATIVE_INFINITY);
    this.now = options.now ?? Date.now;
    this.setTimer =
      options.setTimer ??
      ((callback, ms) => {
        const timer = setTimeout(callback, ms);
        timer.unref?.();
        return timer;
      });
  }

  /** Waits for a free slot; resolve order is call order. */
  acquire(): Promise<RequestSlot> {
    return new Promise((resolve) => {
      this.queue.push({ since: this.now(), resolve });
      this.pump();
    });
  }

  /** Requests currently on the wire. */
  get inFlight(): number {
    return this.freeAt.filter((at) => at === Number.POSITIVE_INFINITY).length;
  }

  private pump(): void {
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
    if (this.timerDue !== undefined && this.timerDue <= due) return;
    this.timerDue = due;
    this.setTimer(
      () => {
        this.timerDue = undefined;
        this.pump();
      },
      Math.max(0, due - this.now()),
    );
  }
}
