/**
 * The time limit of the CLI's own requests to a receiver's admin API and to a sandbox (`--timeout` of
 * the admin commands, `sandbox order|status|cart|subscribe|unsubscribe` and `app install|uninstall`;
 * default 30s each): a server that accepts the connection and never answers is given up on in time
 * and said in words, instead of after undici's 5-minute headers timeout (or never). A request expected
 * to complete is limited until its answer has been read whole; a stream (`events tail`'s live stream,
 * open on purpose) only until its answer's headers.
 */
import { requestTimer } from '@srhooks/client/request-timer';
import { CliError, EXIT_CODES } from './cli-error.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, timeoutText } from './wiring/timeout-option.js';

/**
 * A request that got no answer (or not the whole of it) within its time limit: exit 3, code `timeout`.
 * `who` names the server (`the sandbox at http://127.0.0.1:8787`), `check` what to check first; the
 * hint goes on with how to allow more time.
 */
export class NoAnswerInTimeError extends CliError {
  readonly timeoutMs: number;

  constructor(who: string, timeoutMs: number, check: string, cause?: unknown) {
    super(`${who} did not answer within ${timeoutText(timeoutMs)}`, {
      code: 'timeout',
      exitCode: EXIT_CODES.remote,
      hint: `${check}, or allow more time with --timeout (e.g. --timeout ${timeoutText(Math.min(timeoutMs * 2, 3_600_000))})`,
      ...(cause === undefined ? {} : { cause }),
    });
    this.name = 'NoAnswerInTimeError';
    this.timeoutMs = timeoutMs;
  }
}

export interface RequestLimit {
  /** `--timeout`, in ms (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  timeoutMs?: number | undefined;
  /** The error when the limit passes without an answer (its time limit given). */
  noAnswer: (timeoutMs: number, cause: unknown) => NoAnswerInTimeError;
}

/**
 * Runs `request` (a fetch and the reading of its answer) under the time limit: it gets the signal to
 * give fetch, which aborts when the limit passes (or when `signal`, the caller's own, aborts). The
 * limit ends when `request` settles: a request that returns a Response whose body it has not read (a
 * stream) is limited only until its headers. A request cut by the limit throws `limit.noAnswer`'s
 * error; one aborted by `signal` throws what fetch threw.
 */
export async function answerWithin<T>(
  limit: RequestLimit,
  request: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const timeoutMs = limit.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timer = requestTimer(timeoutMs);
  try {
    return await request(signal ? AbortSignal.any([signal, timer.signal]) : timer.signal);
  } catch (error) {
    if (timer.signal.aborted && !signal?.aborted) throw limit.noAnswer(timeoutMs, error);
    throw error;
  } finally {
    timer.clear();
  }
}

/** A JSON request's init: Accept JSON, and the body (when there is one) as JSON with its Content-Type. */
export function jsonRequestInit(
  method: string,
  body: unknown,
  signal: AbortSignal,
): RequestInit & { headers: Record<string, string> } {
  return {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal,
  };
}
