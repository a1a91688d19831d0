import { badPortAdvice, failureReason, isBadPort, systemCode } from '@srhooks/client/network-failure';
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

/** `[::1]:8787`, `127.0.0.1:8787`: an address and port as a URL writes them. */
function hostAndPort(address: string, port: unknown): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return typeof port === 'number' ? `${host}:${port}` : host;
}

/**
 * The addresses a connection was tried at, read from the system error(s) behind fetch's "fetch failed"
 * (one per address when a host name resolved to several, in an AggregateError's `errors`).
 */
function addressesTried(error: unknown): string[] {
  const tried = new Set<string>();
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const { address, port, errors, cause } = current as {
      address?: unknown;
      port?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof address === 'string') tried.add(hostAndPort(address, port));
    if (Array.isArray(errors))
      for (const each of errors) {
        const one = each as { address?: unknown; port?: unknown } | null;
        if (typeof one?.address === 'string') tried.add(hostAndPort(one.address, one.port));
      }
    current = cause;
  }
  return [...tried];
}

/** Whether `base` names the IPv6 loopback address (`http://[::1]:8787`; the URL parser shortens other spellings to it). */
function ipv6Loopback(base: string): URL | undefined {
  try {
    const url = new URL(base);
    return url.hostname === '[::1]' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ` --port N` when `base` names a port other than the one `srhooks sandbox` listens on by default (a login's
 * sandbox, a `--sandbox-url` on another port): started without it, the sandbox would not be where the
 * command asks. Empty otherwise.
 */
function portFlag(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return '';
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return port === DEFAULT_SANDBOX_PORT ? '' : ` --port ${port}`;
}

/**
 * A sandbox URL that got no answer: why (connection refused, a host name that does not resolve, …)
 * first on the fix's line, as the admin commands say it of a receiver, with the address tried (a host
 * name's too). A port fetch refuses outright (a "bad port") is named, with another port to use: no
 * sandbox started there could be asked. The IPv6 loopback (`http://[::1]:PORT`) gets 127.0.0.1, where
 * `srhooks sandbox` listens unless given `--host`.
 */
export function unreachableSandbox(base: string, error: unknown): CliError {
  const tried = addressesTried(error);
  const reason =
    systemCode(error) === 'ECONNREFUSED' && tried.length > 0
      ? `connection refused at ${tried.join(' and ')}: nothing listens there (ECONNREFUSED)`
      : failureReason(error);
  const loopback = isBadPort(error) ? undefined : ipv6Loopback(base);
  let advice: string;
  if (isBadPort(error))
    advice = `${badPortAdvice(base)} (start srhooks sandbox --port PORT with one, and pass its URL with --sandbox-url / set SRHOOKS_SANDBOX_URL)`;
  else if (loopback) {
    loopback.hostname = '127.0.0.1';
    advice = `${productName('sandbox')} listens on 127.0.0.1 unless started with --host ::1: try --sandbox-url ${loopback.href.replace(/\/$/, '')}`;
  } else
    advice = `start it with srhooks sandbox${portFlag(base)} (or pass --sandbox-url / set SRHOOKS_SANDBOX_URL)`;
  return remoteError(`cannot reach the sandbox at ${base}`, `${reason}; ${advice}`, 'network_error', error);
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
