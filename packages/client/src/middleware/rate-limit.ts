import type { TokenBucket } from '../rate-limit/token-bucket.js';
import type { ClientLogger, FetchMiddleware } from './types.js';

/** Waits for a token of the (client, shop) bucket before every request that goes on the wire. */
export function rateLimitMiddleware(bucket: TokenBucket, logger: ClientLogger): FetchMiddleware {
  return (next) => async (request) => {
    const waited = await bucket.take();
    if (waited > 50)
      logger.debug({ method: request.method, waitedMs: Math.round(waited) }, 'rate limiter delayed request');
    return next(request);
  };
}
