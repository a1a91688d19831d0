export interface TokenBucketOptions {
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Largest burst the bucket lets through at once (default 1: evenly spaced calls). */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A token bucket with first-come-first-served reservations: each `take()` reserves the next
 * token (the balance may go negative) and waits exactly until that token has been refilled, so
 * concurrent callers are released in call order without polling.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private updatedAt: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    if (!(options.refillPerSecond > 0)) throw new RangeError('refillPerSecond must be a positive number');
    const capacity = options.capacity ?? 1;
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
    this.capacity = capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.tokens = capacity;
    this.updatedAt = this.now();
  }

  /** Milliseconds the next `take()` would wait (0 when a token is available now). */
  waitTimeMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.refillPerSecond) * 1000;
  }

  /** Takes a token if one is available right now. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits for a token (fair: callers are served in the order they called). Resolves to the wait in ms. */
  async take(): Promise<number> {
    const wait = this.waitTimeMs();
    this.tokens -= 1;
    if (wait > 0) await this.sleep(wait);
    return wait;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.refillPerSecond);
  }
}
