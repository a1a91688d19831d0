/**
 * Remembers what was already accepted (an app request's `code`, a notification's `hmac`) for as
 * long as a request with it could still pass the freshness check, so a replay inside that window
 * is refused. `seen(key, now)` answers whether the key was already there and records it.
 *
 * `createMemoryReplayGuard` suits one process; a receiver with several instances passes its own
 * guard backed by shared storage (the srhooks receiver uses its store).
 *
 * The key is recorded when the request verifies, before the app has handled it. An app whose handling
 * then fails, and which answers so that the sender may send the same request again, calls
 * `forget(result.replayKey)` first: otherwise the resend would be refused as `replayed`.
 */
export interface ReplayGuard {
  /** True when `key` was recorded before (a replay); records it otherwise. */
  seen(key: string, nowMs: number): boolean;
  /** Drops `key` (its request was not handled after all), so the same request is taken again. */
  forget?(key: string): void;
}

export function createMemoryReplayGuard(options: { ttlSeconds: number; maxEntries?: number }): ReplayGuard {
  const expiries = new Map<string, number>();
  const ttlMs = options.ttlSeconds * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  return {
    seen(key, nowMs) {
      const until = expiries.get(key);
      if (until !== undefined && until > nowMs) return true;
      for (const [k, expiry] of expiries) {
        if (expiry > nowMs && expiries.size < maxEntries) break;
        expiries.delete(k);
      }
      expiries.set(key, nowMs + ttlMs);
      return false;
    },
    forget(key) {
      expiries.delete(key);
    },
  };
}
