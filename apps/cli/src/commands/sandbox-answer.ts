import { badPortAdvice, failureReason, isBadPort } from '@srhooks/client/network-failure';
import { answerJson } from '../answer-json.js';
import { type CliError, remoteError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { answerWithin, jsonRequestInit, NoAnswerInTimeError, type RequestLimit } from '../request-limit.js';
import { DEFAULT_SANDBOX_PORT } from './sandbox.js';

/**
 * Tells a srhooks sandbox's answers from another server's, for every command that takes
 * `--sandbox-url` (`sandbox order|status|…`, `app install|uninstall`): the sandbox names each of its
 * errors in `X-Sandbox-Error` (apps/sandbox README) and answers its own routes with a JSON object.
 * Each request gets `--timeout` (default 30s) for its whole answer ({@link askSandbox}).
 */

type Json = Record<string, unknown>;

/** The sandbox's code on each of its errors; another server's answers lack it. */
const SANDBOX_ERROR_HEADER = 'x-sandbox-error';

/** The URL answered, but not as a srhooks sandbox does (a receiver, another server): exit 3. */
export function notASandbox(base: string, request: string, status: number): CliError {
  return remoteError(
    `${base} is not a ${productName('sandbox')} (it answered ${request} with HTTP ${status}, not as the sandbox does)`,
    `point --sandbox-url (or SRHOOKS_SANDBOX_URL) at a running ${productName('sandbox')} (default http://127.0.0.1:${DEFAULT_SANDBOX_PORT})`,
    'not_a_sandbox',
  );
}

/**
 * What to do when the sandbox does not serve `--shop` (its `unknown_shop`): its own words name its
 * "seed file", the flag that gives it one is `--shops`. Said by every command that takes `--shop`
 * for the sandbox (`sandbox order|…`, `app install|uninstall`).
 */
export function unknownShopHint(shop: string): string {
  return `pass --shop with one of its shops (or set SRHOOKS_SANDBOX_SHOP); "${shop}" is not one (to add shops, start srhooks sandbox with --shops FILE, a JSON list of shops: see the sandbox README)`;
}

export interface SandboxAnswer {
  ok: boolean;
  status: number;
  /** The JSON object answered (`{}` for an empty or non-object body of a sandbox error). */
  body: Json;
  /** The sandbox's code of an error (`unknown_shop`, `not_found`, …), null for a success. */
  errorCode: string | null;
  /** A sandbox error's message (its body's `message`, else the start of its text). */
  message: string;
}

/**
 * Reads an answer to `request` (`POST /demo/_sandbox/orders`) from `base`. An error without the
 * sandbox's header, or a success that is not a JSON object, is {@link notASandbox}.
 */
export async function readSandboxAnswer(
  response: Response,
  base: string,
  request: string,
): Promise<SandboxAnswer> {
  const { text, json: parsed } = await answerJson(response);
  const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  const errorCode = response.ok ? null : response.headers.get(SANDBOX_ERROR_HEADER);
  if (response.ok ? !isObject : errorCode === null) throw notASandbox(base, request, response.status);
  const body = isObject ? (parsed as Json) : {};
  return {
    ok: response.ok,
    status: response.status,
    body,
    errorCode,
    message: typeof body.message === 'string' ? body.message : text.slice(0, 200),
  };
}

/**
 * A sandbox URL that got no answer: why (connection refused, a host name that does not resolve, …)
 * first on the fix's line, as the admin commands say it of a receiver. A port fetch refuses outright
 * (a "bad port") is named, with another port to use: no sandbox started there could be asked.
 */
export function unreachableSandbox(base: string, error: unknown): CliError {
  return remoteError(
    `cannot reach the sandbox at ${base}`,
    `${failureReason(error)}; ${
      isBadPort(error)
        ? `${badPortAdvice(base)} (start srhooks sandbox --port PORT with one, and pass its URL with --sandbox-url / set SRHOOKS_SANDBOX_URL)`
        : 'start it with srhooks sandbox (or pass --sandbox-url / set SRHOOKS_SANDBOX_URL)'
    }`,
    'network_error',
    error,
  );
}

/** What to check about a sandbox URL that accepted the connection but sent no answer in time. */
const NO_ANSWER_CHECK =
  'check --sandbox-url (or SRHOOKS_SANDBOX_URL): something accepted the connection there but sent no answer (a stuck sandbox, or a server of another kind)';

/** The time limit of a request to the sandbox at `base` (`--timeout`, in ms; default 30s). */
export function sandboxLimit(base: string, timeoutMs: number | undefined): RequestLimit {
  return {
    timeoutMs,
    noAnswer: (ms, cause) => new NoAnswerInTimeError(`the sandbox at ${base}`, ms, NO_ANSWER_CHECK, cause),
  };
}

export interface SandboxRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under the sandbox's URL: `/demo/_sandbox/orders`. */
  path: string;
  /** Sent as JSON. */
  body?: Json;
  /** `--timeout`, in ms. */
  timeoutMs?: number | undefined;
}

/**
 * Sends a request to the sandbox at `base` and reads its answer ({@link readSandboxAnswer}), all within
 * the time limit: no answer at all is {@link unreachableSandbox}, none in time a `timeout`.
 */
export async function askSandbox(base: string, request: SandboxRequest): Promise<SandboxAnswer> {
  const { method, path, body } = request;
  return answerWithin(sandboxLimit(base, request.timeoutMs), async (signal) => {
    let response: Response;
    try {
      response = await fetch(`${base.replace(/\/+$/, '')}${path}`, jsonRequestInit(method, body, signal));
    } catch (error) {
      if (signal.aborted) throw error;
      throw unreachableSandbox(base, error);
    }
    return readSandboxAnswer(response, base, `${method} ${path}`);
  });
}
