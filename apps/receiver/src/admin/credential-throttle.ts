/**
 * Slows down guessing of the admin token: per remote address, after `maxFailures` wrong credentials
 * (wrong bearer token, forged session cookie, wrong token in the login form) within `windowMs`, every
 * request of that address that presents a credential is refused with 429 until the oldest of those
 * failures leaves the window. While refused, credentials are not even checked, so a blocked address
 * learns nothing from further guesses. A successful login clears its address.
 *
 * Memory is bounded: at most `maxAddresses` addresses are remembered; the one that failed longest
 * ago is forgotten first. `maxFailures: 0` turns the throttle off (nothing is remembered).
 */

export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_WINDOW_MS = 5 * 60_000;
export const DEFAULT_MAX_ADDRESSES = 10_000;

export interface CredentialThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  maxAddresses?: number;
  /** Milliseconds (tests pass a fake clock). */
  now?: () => number;
}

export class CredentialThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  /** Address → times of its recent failures, oldest first (at most maxFailures); least recent address first. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: CredentialThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    this.#now = options.now ?? Date.now;
  }

  /** 0 when `address` may try; else how long (ms) until it may. */
  retryAfterMs(address: string): number {
    const times = this.#recent(address);
    if (times === undefined || this.maxFailures === 0 || times.length < this.maxFailures) return 0;
    return Math.max(1, (times[0] ?? 0) + this.windowMs - this.#now());
  }

  /** Records a wrong credential from `address`. */
  fail(address: string): void {
    if (this.maxFailures === 0) return;
    const times = this.#recent(address) ?? [];
    times.push(this.#now());
    if (times.length > this.maxFailures) times.shift();
    // Re-inserted: the map stays ordered by latest failure, so eviction drops the stalest address.
    this.#failures.delete(address);
    this.#failures.set(address, times);
    if (this.#failures.size > this.#maxAddresses) {
      const stalest = this.#failures.keys().next().value;
      if (stalest !== undefined) this.#failures.delete(stalest);
    }
  }

  /** A correct login: `address` starts afresh. */
  succeed(address: string): void {
    this.#failures.delete(address);
  }

  /** Addresses remembered right now. */
  get size(): number {
    return this.#failures.size;
  }

  /** The failures of `address` still inside the window (forgets the address when none is). */
  #recent(address: string): number[] | undefined {
    const times = this.#failures.get(address);
    if (times === undefined) return undefined;
    const since = this.#now() - this.windowMs;
    while (times.length > 0 && (times[0] ?? 0) <= since) times.shift();
    if (times.length === 0) {
      this.#failures.delete(address);
      return undefined;
    }
    return times;
  }
}
