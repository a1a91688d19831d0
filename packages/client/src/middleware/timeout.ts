import { requestTimer } from '../http/request-timer.js';
import type { FetchMiddleware } from './types.js';

/**
 * Aborts a request that has no answer after `timeoutMs` (rejects with a `TimeoutError`). The timer
 * holds the process open until the response's headers or a failure (see request-timer.ts), then
 * still limits reading the body while the process runs.
 */
export function timeoutMiddleware(timeoutMs: number): FetchMiddleware {
  return (next) => async (request) => {
    const timer = requestTimer(timeoutMs);
    const signal = AbortSignal.any([request.signal, timer.signal]);
    try {
      const response = await next(new Request(request, { signal }));
      timer.release();
      return response;
    } catch (error) {
      timer.clear();
      throw error;
    }
  };
}
