/**
 * Slows down guessing of the admin token: per remote address, after `maxFailures` wrong tokens (a
 * wrong bearer token, a wrong token in the login form) within `windowMs`, every
 * request of that address that presents a credential is refused with 429 until the oldest of those
 * failures leaves the window. While refused, credentials are not even checked, so a blocked address
 * learns nothing from further guesses. A successful login clears its address.
 *
 * Addresses are counted by network where one client typically holds many: an IPv6 address by its
 * /64 (one host or LAN is usually given a whole /64), an IPv4-mapped IPv6 address as its IPv4.
 *
 * Memory is bounded: at most `maxAddresses` addresses are remembered; the one that failed longest
 * ago is forgotten first. `maxFailures: 0` turns the throttle off (nothing is remembered).
 */

import { isIP } from 'node:net';

export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_WINDOW_MS = 5 * 60_000;
export const DEFAULT_MAX_ADDRESSES = 10_000;

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** What failures are counted under: the IPv4 address, an IPv6 address's /64, else the text as is. */
export function throttleKey(address: string): string {
  const mapped = MAPPED_IPV4.exec(address);
  if (mapped?.[1]) return mapped[1];
  const bare = address.split('%')[0] ?? address;
  if (isIP(bare) !== 6) return address;
  const [head = '', tail] = bare.split('::');
  const groups = (text: string) =>
    text === '' ? [] : text.split(':').flatMap((part) => (part.includes('.') ? ['0', '0'] : [part]));
  const headGroups = groups(head);
  const tailGroups = tail === undefined ? [] : groups(tail);
  const zeros = Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const all = [...headGroups, ...zeros, ...tailGroups];
  return `${all
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

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
    const times = this.#recent(throttleKey(address));
    if (times === undefined || this.maxFailures === 0 || times.length < this.maxFailures) return 0;
    return Math.max(1, (times[0] ?? 0) + this.windowMs - this.#now());
  }

  /** Records a wrong credential from `address`. */
  fail(address: string): void {
    if (this.maxFailures === 0) return;
    const key = throttleKey(address);
    const times = this.#recent(key) ?? [];
    times.push(this.#now());
    if (times.length > this.maxFailures) times.shift();
    // Re-inserted: the map stays ordered by latest failure, so eviction drops the stalest address.
    this.#failures.delete(key);
    this.#failures.set(key, times);
    if (this.#failures.size > this.#maxAddresses) {
      const stalest = this.#failures.keys().next().value;
      if (stalest !== undefined) this.#failures.delete(stalest);
    }
  }

  /** A correct login: `address` starts afresh. */
  succeed(address: string): void {
    this.#failures.delete(throttleKey(address));
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
