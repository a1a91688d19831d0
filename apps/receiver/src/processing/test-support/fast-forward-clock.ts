import type { Clock } from '../clock.js';

/**
 * A clock for tests that skips idle time: `sleep(ms)` returns after about a millisecond of real time
 * and moves virtual time forward to when the sleep would have ended. Hours of retry schedule pass in
 * milliseconds while everything else (HTTP, SQL) runs for real. Concurrent sleepers do not add up: time
 * moves to the latest wake-up, never beyond.
 */
export class FastForwardClock implements Clock {
  #now: number;

  constructor(start: Date = new Date()) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  /** Jumps forward (e.g. past a lease, to simulate time passing during a crash). */
  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wakeAt = this.#now + Math.max(0, ms);
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        this.#now = Math.max(this.#now, wakeAt);
        resolve();
      }, 1);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
