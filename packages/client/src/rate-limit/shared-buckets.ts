import { TokenBucket } from './token-bucket.js';

export interface RateLimitOptions {
  /** ShopRenter's documented limit: 3 requests per second per application per shop. */
  requestsPerSecond?: number;
  /** Calls let through back to back before spacing starts (default 1). */
  burst?: number;
  /**
   * Extra spacing per request in ms (default 25: one request per 358 ms) so network and event-loop
   * jitter cannot squeeze 4 requests into one second of the server's sliding window.
   */
  safetyMarginMs?: number;
}

export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = {
  requestsPerSecond: 3,
  burst: 1,
  safetyMarginMs: 25,
};

const buckets = new Map<string, TokenBucket>();

/**
 * The one bucket of this process for a (API origin, client id, shop): every client instance and
 * every call share it, as the server's limit is per application and shop. The first caller's
 * options decide the bucket's rate.
 */
export function sharedBucket(
  key: { origin: string; clientId: string; shop: string },
  options: RateLimitOptions = {},
  clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): TokenBucket {
  const id = `${key.origin}|${key.clientId}|${key.shop}`;
  let bucket = buckets.get(id);
  if (!bucket) {
    const settings = { ...DEFAULT_RATE_LIMIT, ...options };
    const intervalMs = 1000 / settings.requestsPerSecond + settings.safetyMarginMs;
    bucket = new TokenBucket({
      refillPerSecond: 1000 / intervalMs,
      capacity: settings.burst,
      ...(clock.now ? { now: clock.now } : {}),
      ...(clock.sleep ? { sleep: clock.sleep } : {}),
    });
    buckets.set(id, bucket);
  }
  return bucket;
}
