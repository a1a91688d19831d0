import { RequestWindow } from './request-window.js';

export interface RateLimitOptions {
  /** ShopRenter's documented limit: 3 requests per second per application per shop. */
  requestsPerSecond?: number;
  /**
   * Extra ms added to the one-second window (default 25), a margin for clock granularity on
   * either side.
   */
  safetyMarginMs?: number;
}

export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = {
  requestsPerSecond: 3,
  safetyMarginMs: 25,
};

const windows = new Map<string, RequestWindow>();

/**
 * The one request window of this process for a (API origin, client id, shop): every client
 * instance and every call share it, as the server's limit is per application and shop. The first
 * caller's options decide its rate.
 */
export function sharedRequestWindow(
  key: { origin: string; clientId: string; shop: string },
  options: RateLimitOptions = {},
  clock: { now?: () => number } = {},
): RequestWindow {
  const id = `${key.origin}|${key.clientId}|${key.shop}`;
  let window = windows.get(id);
  if (!window) {
    const settings = { ...DEFAULT_RATE_LIMIT, ...options };
    window = new RequestWindow({
      limit: Math.max(1, Math.floor(settings.requestsPerSecond)),
      windowMs: 1000 + settings.safetyMarginMs,
      ...(clock.now ? { now: clock.now } : {}),
    });
    windows.set(id, window);
  }
  return window;
}
