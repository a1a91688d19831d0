/**
 * The `forward` handler: POSTs the normalised event as JSON to a URL, signed per Standard Webhooks
 * (`webhook-id` = the job id, stable across retries, so the target can deduplicate; `webhook-timestamp`;
 * `webhook-signature` = `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the `whsec_` secret).
 *
 * Answer → outcome: 2xx done · 410 disable the handler (the job waits with it, its retries unused) ·
 * 408/429/5xx, timeouts, connection errors and TLS failures (`target_tls_failed`, with what to do)
 * retry (honouring `Retry-After`) · any other status dead-letter at once · an unsafe (private) target
 * dead-letters with a message saying how to allow it.
 */
import { createHmac } from 'node:crypto';
import { networkFailure } from '@srhooks/client';
import { Webhook } from 'standardwebhooks';
import type { ClaimedJob } from '../../store/store.js';
import { forwardedEvent } from '../forwarded-event.js';
import { describeError, type HandlerOutcome } from '../handler-outcome.js';
import { ProcessingConfigError, ProcessingError, UnsafeTargetError } from '../processing-errors.js';
import { parseRetryAfter } from '../retry-after.js';
import {
  postJson,
  TargetConnectionError,
  TargetConnections,
  TargetTimeoutError,
  TargetUrlError,
  timeoutWords,
} from './post-json.js';
import { type AddressPolicy, publicAddressesOnly } from './target-guard.js';

export const DEFAULT_FORWARD_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
const USER_AGENT = 'srhooks-receiver (+https://www.standardwebhooks.com)';

export interface ForwardHandlerOptions {
  /** Handler name, for messages. */
  name: string;
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
  /** Allow private/loopback/link-local targets (default false: SSRF guard). */
  allowPrivateTargets?: boolean;
  /** Whole request (connect, answer, body); default 10 s. */
  timeoutMs?: number;
  /**
   * Which addresses are refused when private targets are not allowed; default every non-public address.
   * (Tests use a narrower policy to exercise redirects between two local servers.)
   */
  addressPolicy?: AddressPolicy;
  /** Wall clock for `webhook-timestamp` (receivers check it against theirs); default the system clock. */
  now?: () => Date;
}

export interface ForwardHandler {
  (job: ClaimedJob): Promise<HandlerOutcome>;
  /** Closes the handler's kept-alive connections to the target. */
  close(): Promise<void>;
}

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

export function createForwardHandler(options: ForwardHandlerOptions): ForwardHandler {
  try {
    // Validates the secret with the reference implementation's rules (prefix, base64, not empty).
    new Webhook(options.secret);
  } catch (error) {
    throw new ProcessingConfigError(
      `handlers.${options.name}.secret is not a valid Standard Webhooks secret (${describeError(error)}); ` +
        'use "whsec_" followed by base64 of 24-64 random bytes, e.g. whsec_$(openssl rand -base64 32)',
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  const key = Buffer.from(options.secret.replace(/^whsec_/, ''), 'base64');
  const connections = new TargetConnections();

  const handler = async (job: ClaimedJob): Promise<HandlerOutcome> => {
    const body = Buffer.from(JSON.stringify(forwardedEvent(job)));
    const sentAt = now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': job.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signature(key, job.id, sentAt, body),
    };
    let response: Awaited<ReturnType<typeof postJson>>;
    try {
      response = await postJson(options.url, body, {
        headers,
        timeoutMs,
        addressPolicy: options.allowPrivateTargets ? null : (options.addressPolicy ?? publicAddressesOnly),
        maxRedirects: MAX_REDIRECTS,
        connections,
      });
    } catch (error) {
      const host = targetHost(options.url, options.url);
      const tls = tlsFailure(error, host);
      if (tls !== undefined) {
        // retried: a certificate gets renewed or replaced; the summary says what to do meanwhile
        return {
          status: 'retry',
          error: `POST ${options.url} failed: ${tls}`,
          errorCode: 'target_tls_failed',
          summary: tls,
        };
      }
      const errorCode = error instanceof ProcessingError ? error.code : 'target_request_failed';
      const summary = failureSummary(error, host, timeoutMs);
      if (error instanceof UnsafeTargetError || error instanceof TargetUrlError) {
        return { status: 'dead', error: error.message, errorCode, ...summary };
      }
      return {
        status: 'retry',
        error: `POST ${options.url} failed: ${describeError(error)}`,
        errorCode,
        ...summary,
      };
    }
    const { status } = response;
    if (status >= 200 && status < 300) return { status: 'succeeded', statusCode: status };
    const answer = `${response.url} answered ${status}${excerpt(response.bodyExcerpt)}`;
    // The receiver's own words, shown unmasked: the host and the status, never the answer's body.
    const answered = `${targetHost(response.url, options.url)} answered ${status}`;
    if (status === 410) {
      const consequence = `the target is gone: not retried, handler "${options.name}" is disabled and its jobs wait (without using up their retries): fix the URL, then enable the handler again`;
      return {
        status: 'disable',
        statusCode: status,
        error: `${answer}; ${consequence}`,
        summary: `${answered} (gone): handler "${options.name}" disabled`,
        // The handler's state is shown unmasked: no answer body (it may echo the customer), no path or query.
        reason: `HTTP 410 Gone from ${targetHost(response.url, options.url)}; ${consequence}`,
      };
    }
    if (RETRYABLE_STATUS(status)) {
      const retryAfter = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(
        typeof retryAfter === 'string' ? retryAfter : undefined,
        new Date(),
      );
      return {
        status: 'retry',
        statusCode: status,
        error: answer,
        summary: answered,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    if (status >= 300 && status < 400) {
      return {
        status: 'dead',
        statusCode: status,
        error: `${answer} (redirect to ${response.headers.location ?? 'nowhere'}); only 307/308 redirects are followed for a POST: point the handler at the final URL`,
        summary: `${answered} (a redirect a POST does not follow)`,
      };
    }
    return {
      status: 'dead',
      statusCode: status,
      error: `${answer}; not retried (client error): fix the target or the handler, then replay`,
      summary: `${answered}; not retried (client error)`,
    };
  };
  const password = passwordOf(options.url);
  const coded = async (job: ClaimedJob): Promise<HandlerOutcome> =>
    withoutUrlCredentials(withAnswerCode(await handler(job)), password);
  return Object.assign(coded, { close: async () => connections.close() });
}

/**
 * The fixed code the log shows for a failed answer (the error text quotes the target's body, which
 * may name the customer, so it is never logged): by the HTTP status.
 */
function withAnswerCode(outcome: HandlerOutcome): HandlerOutcome {
  if (outcome.status === 'succeeded' || outcome.errorCode !== undefined || outcome.statusCode === undefined) {
    return outcome;
  }
  const status = outcome.statusCode;
  const errorCode =
    status === 410
      ? 'target_gone'
      : status >= 300 && status < 400
        ? 'target_redirect'
        : RETRYABLE_STATUS(status)
          ? 'target_unavailable'
          : 'target_client_error';
  return { ...outcome, errorCode };
}

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, exactly what standardwebhooks' `Webhook.sign` returns
 * (its tests verify ours with that library), with node:crypto's native HMAC instead of its JavaScript one.
 */
function signature(key: Buffer, id: string, sentAt: Date, body: Buffer): string {
  const hmac = createHmac('sha256', key);
  hmac.update(`${id}.${Math.floor(sentAt.getTime() / 1000)}.`);
  hmac.update(body);
  return `v1,${hmac.digest('base64')}`;
}

/**
 * The receiver's own words about a POST that got no answer (shown unmasked beside the hidden error): the
 * target's host and why, from the error's code, never its message (which may quote the target).
 * Undefined for an error the receiver cannot put in its own words.
 */
function failureSummary(error: unknown, host: string, timeoutMs: number): { summary?: string } {
  if (error instanceof UnsafeTargetError) return { summary: error.message };
  if (error instanceof TargetUrlError) return { summary: `${host}: not a URL the handler can forward to` };
  if (error instanceof TargetTimeoutError)
    return { summary: `${host} ${timeoutWords(timeoutMs, error.answeredStatus)}` };
  if (error instanceof TargetConnectionError) {
    return { summary: `${host} closed the connection before the answer was complete` };
  }
  const network = networkFailure(error);
  if (network !== undefined) return { summary: `POST to ${host} got no answer: ${network.reason}` };
  // Node's HTTP parser refused the answer (its fixed code; the answer itself is the target's)
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^HPE_[A-Z_]+$/.test(code))
    return {
      summary: `${host} answered something that is not HTTP (${code}): is the handler's "url" the target's web address and port?`,
    };
  return {};
}

/** Certificate verification codes meaning "not signed by an authority this process trusts". */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * What went wrong with TLS, in the receiver's words (Node's fixed code and message, never the target's):
 * a certificate this process does not accept, an https:// URL of a plain-http server, another failed
 * handshake. Undefined for an error that is not about TLS.
 */
function tlsFailure(error: unknown, host: string): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? (message.split('\n')[0] ?? '').slice(0, 200) : '';
    if (typeof code === 'string') {
      const said = `${code}${text ? `: ${text}` : ''}`;
      if (UNTRUSTED_CERTIFICATE.has(code))
        return `${host} presented a TLS certificate this receiver does not trust (${said}): give the target a certificate from a public certificate authority, or start the receiver with NODE_EXTRA_CA_CERTS naming the PEM file of the authority that signed it`;
      if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
        return `${host} presented a TLS certificate that is not valid now (${said}): renew the target's certificate (or check the clocks)`;
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
        return `${host} presented a TLS certificate made out for other names (${said}): give the target a certificate for the host name in the handler's "url", or use a name the certificate carries`;
      if (
        code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
        (code === 'EPROTO' && text.includes('wrong version number'))
      )
        return `${host} does not speak https (TLS): is the target a plain http:// URL? (${code})`;
      if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /^CERT_|_CERT(_|$)/.test(code))
        return `the TLS handshake with ${host} failed (${said}): check the target's https setup`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `host[:port]` of the URL that answered (the configured one if that cannot be read). */
function targetHost(answeredUrl: string, configuredUrl: string): string {
  for (const url of [answeredUrl, configuredUrl]) {
    try {
      return new URL(url).host;
    } catch {
      // try the next one
    }
  }
  return 'the target';
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`;
}

/** The password in the URL's user-info, decoded (empty when none). */
function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * A URL as an error text shows it: without user-info (a password) and with every query value as `***`
 * (targets take API keys there): the texts are stored with the attempt and shown by the admin API, the
 * inspector and the CLI, to whoever reveals them.
 */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password && !parsed.search) return url;
    parsed.username = '';
    parsed.password = '';
    const query = [...parsed.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=***`).join('&');
    parsed.search = '';
    return `${parsed.toString()}${query ? `?${query}` : ''}`;
  } catch {
    return url;
  }
}

/**
 * Where the run of `.,;:)` ending `text` starts (`text.length` when none): what `/[.,;:)]+$/` finds, by a
 * scan from the end — the expression took quadratic time on a long run of them inside a URL (16 KB of a
 * target's `Location` header: 0.25 s), and the text is the target's.
 */
export function sentencePunctuationStart(text: string): number {
  let end = text.length;
  while (end > 0 && '.,;:)'.includes(text[end - 1] as string)) end -= 1;
  return end;
}

function withoutUrlCredentials(outcome: HandlerOutcome, password: string): HandlerOutcome {
  if (!('error' in outcome) || typeof outcome.error !== 'string') return outcome;
  let error = outcome.error.replace(/https?:\/\/[^\s"'<>]+/gi, (url) => {
    // a URL that ends a sentence: keep the punctuation out of it
    const end = sentencePunctuationStart(url);
    return shownUrl(url.slice(0, end)) + url.slice(end);
  });
  if (password.length >= 3) error = error.split(password).join('***');
  return { ...outcome, error };
}
