/**
 * A request that got no answer because of the network (connection refused or reset, a name that does
 * not resolve, a timeout), told apart from a server that answered something unexpected. Read from the
 * error's `cause` chain (fetch wraps the system error: TypeError "fetch failed" → Error code
 * ECONNREFUSED; a timeout is a TimeoutError/AbortError from the request's AbortSignal).
 */

/** How long an API request waits for its answer before it is a timeout, unless `timeoutMs` says otherwise. */
export const DEFAULT_API_TIMEOUT_MS = 30_000;
/** The same for the OAuth token request (`tokenRequest.timeoutMs`). */
export const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

/** System and undici error codes that mean the request never got an answer. */
export const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens at that address and port',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be looked up (DNS did not answer)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed before an answer',
};

export interface NetworkFailure {
  /** `ECONNREFUSED`, `ENOTFOUND`, …, or `timeout` for a request aborted by its time limit. */
  code: string;
  /** In words, e.g. "connection refused: nothing listens at that address and port (ECONNREFUSED)". */
  reason: string;
}

/** The network system error code (ECONNREFUSED, …) in `error` or its causes, if any. */
export function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A request aborted by its time limit (a TimeoutError or AbortError in `error` or its causes). */
function timedOut(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const name = (current as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The network failure behind `error` (searched through its causes), or undefined for anything else. */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  const code = systemCode(error);
  if (code !== undefined) return { code, reason: `${REASONS[code] ?? 'no answer'} (${code})` };
  if (timedOut(error)) return { code: 'timeout', reason: 'no answer in time (the request timed out)' };
  return undefined;
}

/** TLS codes of an https:// request to a server that answers in plain http (OpenSSL: wrong version number). */
const PLAIN_HTTP_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']);

/** The first code in `error` or its causes that says an https:// request met a plain-http server. */
function plainHttpCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      PLAIN_HTTP_CODES.has(code) &&
      (code !== 'EPROTO' || (typeof message === 'string' && message.includes('wrong version number')))
    )
      return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether fetch refused to send the request for its port ("bad port": undici's block list of the fetch
 * spec, ports such as 1, 9, 6000 that browsers refuse too). No request was sent, so trying again cannot help.
 */
export function isBadPort(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth += 1) {
    if (current instanceof Error && current.message === 'bad port') return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** The fix for a {@link isBadPort} failure of a request to `url`: `port 6000 is one that HTTP clients refuse …`. */
export function badPortAdvice(url: string): string {
  let port = '';
  try {
    port = new URL(url).port;
  } catch {
    // not a URL: say "the port"
  }
  return `${port ? `port ${port}` : 'the port'} is one that HTTP clients refuse to connect to: use another port`;
}

/**
 * Why a request got no answer, in words for an error line: a network failure as {@link networkFailure}
 * says it, an https:// URL of a plain-http server, else the error's own message (its first line: an
 * OpenSSL message goes on with its source file).
 */
export function failureReason(error: unknown): string {
  const network = networkFailure(error);
  if (network) return network.reason;
  const plain = plainHttpCode(error);
  if (plain) return `the server there does not speak https (TLS): is it a plain http:// URL? (${plain})`;
  // fetch's own "fetch failed" says nothing: its cause says why ("bad port", …)
  const chain: unknown[] = [];
  for (let current: unknown = error; chain.length < 5 && current !== undefined; ) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  if (isBadPort(error)) return 'fetch does not request this port (bad port)';
  const said = chain.find((link) => !(link instanceof Error && link.message === 'fetch failed')) ?? error;
  const message = said instanceof Error ? said.message : String(said);
  return message.split('\n')[0] ?? message;
}
