/**
 * Sliding-window limiter: at most `limit` accepted units within any `windowMs` interval per key.
 * Rejected requests do not use up the window.
 */
export class SlidingWindowRateLimiter {
  private readonly accepted = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` units for `key` if they fit in the window; false means "answer 429". */
  tryAcquire(key: string, cost = 1): boolean {
    const now = this.now();
    const since = now - this.windowMs;
    const times = (this.accepted.get(key) ?? []).filter((t) => t > since);
    if (times.length + cost > this.limit) {
      this.accepted.set(key, times);
      return false;
    }
    for (let i = 0; i < cost; i++) times.push(now);
    this.accepted.set(key, times);
    return true;
  }
}
