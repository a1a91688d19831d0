import type { RequestWindow } from '../rate-limit/request-window.js';
import type { ClientLogger, FetchMiddleware } from './types.js';

/**
 * Holds a slot of the (client, shop) request window for every request that goes on the wire,
 * from before it is sent until its response (or failure) has arrived. An aborted request stops
 * waiting for its slot.
 */
export function rateLimitMiddleware(window: RequestWindow, logger: ClientLogger): FetchMiddleware {
  return (next) => async (request) => {
    const slot = await window.acquire(request.signal);
    if (slot.waitedMs > 50) {
      logger.debug(
        { method: request.method, waitedMs: Math.round(slot.waitedMs) },
        'rate limiter delayed request',
      );
    }
    try {
      return await next(request);
    } finally {
      slot.release();
    }
  };
}
