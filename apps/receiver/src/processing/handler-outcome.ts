import { inspect } from 'node:util';
import { ProcessingError } from './processing-errors.js';

/**
 * What one run of a handler came to. Handlers return an outcome (forward maps HTTP answers onto it) or
 * throw; a thrown error means `retry` (per the handler's retry schedule).
 *
 * `error` is free text from outside the receiver (a target's answer body, a module handler's thrown
 * message: either may name the customer): it is stored with the attempt and shown by the inspector only
 * after "Show personal data", never logged. `errorCode` is what the log says instead: a fixed word such
 * as `target_client_error` or `handler_threw` (HANDLER_ERROR when the handler gives none). `summary` is the
 * receiver's own words about the failure, with nothing from the target or the handler in them (`connection
 * refused by erp.example.com:443`, `erp.example.com answered 500`): stored beside `error` and shown
 * unmasked where `error` is hidden, so the common failures read at a glance without revealing anything.
 */
export type HandlerOutcome =
  /** Done; the job never runs again (unless replayed). */
  | { status: 'succeeded'; statusCode?: number }
  /** Try again per the retry schedule; `retryAfterMs` is the target's `Retry-After`. */
  | {
      status: 'retry';
      error: string;
      summary?: string;
      errorCode?: string;
      statusCode?: number;
      retryAfterMs?: number;
    }
  /** Give up at once (dead-letter); replay after fixing the cause. */
  | { status: 'dead'; error: string; summary?: string; errorCode?: string; statusCode?: number }
  /**
   * The target is gone (HTTP 410): disable the handler; its jobs wait until it is enabled again. `reason`
   * is stored with the handler's state and shown unmasked (admin API, inspector, CLI): it names the status
   * and the target's host, never free text from the target (its answer stays in `error`, the attempt's).
   */
  | {
      status: 'disable';
      error: string;
      reason: string;
      summary?: string;
      errorCode?: string;
      statusCode?: number;
    };

/** The error code logged for a failed outcome whose handler named none. */
export const HANDLER_ERROR = 'handler_error';
/** `errorCode` values are fixed words; anything else (never expected) is logged as HANDLER_ERROR. */
const ERROR_CODE_SHAPE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * What the log may say about a failed outcome: its fixed error code and HTTP status, never `error`
 * itself (free text from the target or the handler, see HandlerOutcome).
 */
export function loggableFailure(outcome: Exclude<HandlerOutcome, { status: 'succeeded' }>): {
  errorCode: string;
  statusCode?: number;
} {
  const errorCode =
    outcome.errorCode !== undefined && ERROR_CODE_SHAPE.test(outcome.errorCode)
      ? outcome.errorCode
      : HANDLER_ERROR;
  return outcome.statusCode === undefined ? { errorCode } : { errorCode, statusCode: outcome.statusCode };
}

/**
 * The receiver's own words for a failure whose handler gave no summary, by its fixed error code: what a
 * broker handler's or a module's failure was, without its text (a broker's reply, a module's message).
 * None for a module handler's own error (`handler_threw`, `handler_non_retryable`): only its message
 * says what it was.
 */
const CODE_SUMMARIES: Readonly<Record<string, string>> = {
  broker_unreachable: 'the broker could not be reached',
  broker_timeout: 'the broker did not answer in time',
  broker_rejected: 'the broker refused the message or the connection',
  broker_out_of_resources: 'the broker takes no messages until it has memory or disk space again',
  broker_error: 'publishing to the broker failed',
  broker_client_missing: "the broker's client library is not installed",
  handler_timeout: 'the module handler did not settle within its timeoutMs',
  handler_shutdown: 'the receiver shut down while the module handler ran',
  handler_interrupted: 'the receiver stopped while this job ran, too many times',
  module_handler_invalid: 'the module handler cannot be loaded',
  shop_credentials_missing: 'the shop has no API credentials for ctx.client',
};

/** The outcome's summary, else the receiver's words for its error code (`… (broker_timeout)`), if any. */
export function failureSummary(
  outcome: Exclude<HandlerOutcome, { status: 'succeeded' }>,
): string | undefined {
  if (outcome.summary !== undefined) return outcome.summary;
  const words = outcome.errorCode === undefined ? undefined : CODE_SUMMARIES[outcome.errorCode];
  return words === undefined ? undefined : `${words} (${outcome.errorCode})`;
}

/** The fixed code of a thrown error: a ProcessingError's `code` (`module_handler_invalid`, …), else `handler_threw`. */
export function thrownErrorCode(error: unknown): string {
  return error instanceof ProcessingError && ERROR_CODE_SHAPE.test(error.code) ? error.code : 'handler_threw';
}

/**
 * Error text stored with an attempt: one line, bounded. The human message, led by the error's code when
 * it has one the message does not already name (`invalid_client: ShopRenter refused …`, as typed errors
 * are shown elsewhere); never the JavaScript class name (`TypeError: …`), which tells an operator nothing.
 */
export function describeError(error: unknown, maxLength = 500): string {
  const text =
    error instanceof Error ? readableErrorText(error) : typeof error === 'string' ? error : shown(error);
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
}

/**
 * A thrown value that is no Error, as text: JSON when it can be written so, else as Node prints it (an
 * object that refers to itself, a BigInt: JSON.stringify throws on them, and its message would describe
 * the receiver's failure to write the value instead of the value).
 */
function shown(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // not JSON: as Node prints it
  }
  try {
    return inspect(value, { depth: 3, breakLength: Number.POSITIVE_INFINITY, compact: true });
  } catch {
    return `a value that cannot be shown (${typeof value})`;
  }
}

/** {@link errorText}, for an Error whose own properties throw when read too. */
function readableErrorText(error: Error): string {
  try {
    return errorText(error);
  } catch {
    return 'an Error whose message cannot be read';
  }
}

function errorText(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const named = typeof code === 'string' && code !== '' ? code : undefined;
  let message = error.message.trim();
  // Node's AggregateError (a connect to every address of a host failed) has no message of its own
  if (message === '' && error instanceof AggregateError) {
    message = [
      ...new Set(error.errors.map((inner) => (inner instanceof Error ? inner.message : String(inner)))),
    ]
      .filter((inner) => inner !== '')
      .join('; ');
  }
  if (message === '') return named ?? 'failed without a message';
  return named === undefined || message.includes(named) ? message : `${named}: ${message}`;
}
