import type { FetchMiddleware } from './types.js';

/** Aborts a request that has no answer after `timeoutMs` (rejects with a `TimeoutError`). */
export function timeoutMiddleware(timeoutMs: number): FetchMiddleware {
  return (next) => (request) => {
    const signal = AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]);
    return next(new Request(request, { signal }));
  };
}
