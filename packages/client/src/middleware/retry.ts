import { type BackoffOptions, retryDelayMs } from '../backoff.js';
import { NetworkError, ShopRenterError } from '../errors.js';
import { badPortAdvice, failureReason, isBadPort } from '../network-failure.js';
import { abortable } from './abortable.js';
import type { ClientLogger, FetchMiddleware } from './types.js';

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, first one included (default 5). 1 disables retrying. */
  maxAttempts?: number;
  /** Statuses retried for every method: the server did not process the request (default 429, 503). */
  retryStatuses?: number[];
  /**
   * Statuses (and network errors/timeouts) retried only for idempotent methods (GET, PUT, DELETE,
   * HEAD), because a POST may have been processed before the failure (default 500, 502, 504).
   */
  idempotentRetryStatuses?: number[];
}

export const DEFAULT_RETRY = {
  maxAttempts: 5,
  retryStatuses: [429, 503],
  idempotentRetryStatuses: [500, 502, 504],
};

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const attemptsByResponse = new WeakMap<Response, number>();

/** How many attempts produced this response (1 when it was not retried). */
export function attemptsOf(response: Response): number {
  return attemptsByResponse.get(response) ?? 1;
}

/**
 * Retries 429/503 (and, for idempotent methods, 500/502/504 and network failures) with
 * exponential backoff + jitter, honouring `Retry-After`. Each attempt passes through the layers
 * below again (rate limiter, auth), so retries respect the limit and use a current token.
 */
export function retryMiddleware(
  options: RetryOptions,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; random: () => number },
  logger: ClientLogger,
): FetchMiddleware {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const always = new Set(options.retryStatuses ?? DEFAULT_RETRY.retryStatuses);
  const idempotentOnly = new Set(options.idempotentRetryStatuses ?? DEFAULT_RETRY.idempotentRetryStatuses);
  return (next) => async (request) => {
    const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
    const where = { method: request.method, url: redactUrl(request.url) };
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      let response: Response;
      try {
        response = await next(last ? request : request.clone());
      } catch (error) {
        // Our own typed errors (a TokenError from the auth layer, …) are answers, not network failures.
        if (error instanceof ShopRenterError || isCallerAbort(error, request)) throw error;
        // a port fetch refuses outright (bad port): nothing was sent, and another attempt is refused alike
        if (isBadPort(error))
          throw new NetworkError(
            'network_error',
            `${request.method} ${where.url} failed (${failureReason(error)}): ${badPortAdvice(request.url)}`,
            { ...where, cause: error },
          );
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        if (!idempotent || last) {
          // The time limit, from the timer's own message (`… after 30000 ms`): which setting ran out.
          const limitMs = timedOut ? /after (\d+) ms/.exec(error.message)?.[1] : undefined;
          const limit =
            limitMs === undefined
              ? ''
              : ` (no answer within ${limitMs} ms${attempt > 1 ? ' each' : ''}, the timeoutMs limit)`;
          throw new NetworkError(
            timedOut ? 'timeout' : 'network_error',
            `${request.method} ${where.url} ${timedOut ? 'timed out' : `failed (${failureReason(error)})`}${attempt > 1 ? ` after ${attempt} attempts` : ''}${limit}: check the network and the API URL, then try again${!idempotent && !last ? ' (not retried: the request may have been processed)' : ''}`,
            { ...where, cause: error },
          );
        }
        const delay = retryDelayMs(attempt, undefined, options, clock);
        logger.warn(
          { ...where, attempt, delayMs: delay, error: failureReason(error) },
          'request failed, retrying',
        );
        await abortable(clock.sleep(delay), request.signal);
        continue;
      }
      const retryable = always.has(response.status) || (idempotent && idempotentOnly.has(response.status));
      if (!retryable || last) {
        attemptsByResponse.set(response, attempt);
        return response;
      }
      const delay = retryDelayMs(attempt, response.headers.get('retry-after'), options, clock);
      logger.warn(
        { ...where, status: response.status, attempt, delayMs: delay },
        'retryable answer, retrying',
      );
      await response.body?.cancel();
      // A caller that gives up (request.signal) does not wait out the pause.
      await abortable(clock.sleep(delay), request.signal);
    }
  };
}

function isCallerAbort(error: unknown, request: Request): boolean {
  return request.signal.aborted && !(error instanceof Error && error.name === 'TimeoutError');
}

function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|token)=)[^&#]*/gi, '$1***');
}
