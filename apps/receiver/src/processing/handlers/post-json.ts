/**
 * One outgoing webhook POST over node:http(s): total timeout (connect + answer + body), the SSRF guard
 * in the socket's DNS lookup, and 307/308 redirects followed a few hops (each hop checked again).
 * Other redirects are returned as they are: a webhook POST must not silently turn into a GET.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ProcessingError } from '../processing-errors.js';
import { type AddressPolicy, assertAllowedLiteral, guardedLookup } from './target-guard.js';

export interface PostJsonOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** Addresses refused (SSRF guard), or null to allow any target. */
  addressPolicy: AddressPolicy | null;
  maxRedirects: number;
  /** Kept-alive connections to reuse (one pool per handler); without, a fresh connection per POST. */
  connections?: TargetConnections;
}

/**
 * A handler's pool of kept-alive connections (http and https). Reusing a connection is as safe as the
 * SSRF guard: the guard checks the address when a connection is opened (its DNS lookup), and a pooled
 * connection stays connected to the address that was checked. New connections (another host after a
 * redirect, or a replacement) go through the check again.
 */
export class TargetConnections {
  readonly http = new HttpAgent({ keepAlive: true, keepAliveMsecs: 1000 });
  readonly https = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 1000 });

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

export interface PostJsonResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** First bytes of the answer, for error messages. */
  bodyExcerpt: string;
  /** The URL that answered (after redirects). */
  url: string;
}

/**
 * The target did not answer in time: no answer at all, or (`answeredStatus`) its status and headers but
 * not the rest of the answer.
 */
export class TargetTimeoutError extends ProcessingError {
  readonly answeredStatus: number | null;

  constructor(url: string, timeoutMs: number, answeredStatus: number | null = null) {
    super(
      'target_timeout',
      `${url} ${timeoutWords(timeoutMs, answeredStatus)} (raise "timeoutMs" if it is just slow)`,
    );
    this.answeredStatus = answeredStatus;
  }
}

/** `did not answer within 300 ms`, or `answered 200 but did not finish its answer within 300 ms`. */
export function timeoutWords(timeoutMs: number, answeredStatus: number | null): string {
  return answeredStatus === null
    ? `did not answer within ${timeoutMs} ms`
    : `answered ${answeredStatus} but did not finish its answer within ${timeoutMs} ms`;
}

/** The connection broke while the answer was being read. */
export class TargetConnectionError extends ProcessingError {
  constructor(message: string) {
    super('target_connection_failed', message);
  }
}

/** Protocol other than http/https, or too many redirects. */
export class TargetUrlError extends ProcessingError {
  constructor(message: string) {
    super('target_url_invalid', message);
  }
}

/** A reused kept-alive connection turned out closed before any answer (internal: retried at once). */
class StaleConnectionError extends Error {}

const EXCERPT_BYTES = 2048;

export async function postJson(
  url: string,
  body: Buffer,
  options: PostJsonOptions,
): Promise<PostJsonResponse> {
  const deadline = Date.now() + options.timeoutMs;
  let current = new URL(url);
  for (let hop = 0; ; hop += 1) {
    let response: PostJsonResponse;
    try {
      response = await postOnce(current, body, options, deadline);
    } catch (error) {
      // A kept-alive connection the target closed meanwhile: the POST never reached it; once more on a
      // new connection (the agent drops the dead one).
      if (!(error instanceof StaleConnectionError)) throw error;
      response = await postOnce(current, body, { ...options, connections: undefined }, deadline);
    }
    const location = response.headers.location;
    if ((response.status === 307 || response.status === 308) && typeof location === 'string') {
      if (hop >= options.maxRedirects) {
        throw new TargetUrlError(
          `${url} redirected more than ${options.maxRedirects} times; point the handler at the final URL`,
        );
      }
      const from = current;
      try {
        current = new URL(location, from);
      } catch {
        // the same answer again on every retry: nothing to wait for
        throw new TargetUrlError(
          `${from.href} redirected (${response.status}) to "${location.slice(0, 200)}", which is not a URL; point the handler at the final URL`,
        );
      }
      continue;
    }
    return response;
  }
}

function postOnce(
  url: URL,
  body: Buffer,
  options: PostJsonOptions,
  deadline: number,
): Promise<PostJsonResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new TargetUrlError(`${url.href} is not an http(s) URL; forward targets must use http or https`),
    );
  }
  const policy = options.addressPolicy;
  if (policy) {
    try {
      assertAllowedLiteral(url.hostname, policy);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new TargetTimeoutError(url.origin, options.timeoutMs));
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = options.connections ? (secure ? options.connections.https : options.connections.http) : false;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(body.length) },
      ...(policy ? { lookup: guardedLookup(policy) } : {}),
      // The guard's lookup runs for every connection the agent opens.
      agent,
    });
    // The status once the answer's head arrived: a timeout after it says the target did answer.
    let answeredStatus: number | null = null;
    const timer = setTimeout(
      () => request.destroy(new TargetTimeoutError(url.origin, options.timeoutMs, answeredStatus)),
      remaining,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (request.reusedSocket && !answered && error.code === 'ECONNRESET') {
        clearTimeout(timer);
        reject(new StaleConnectionError(error.message));
        return;
      }
      fail(error);
    });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      answeredStatus = response.statusCode ?? null;
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < EXCERPT_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      let ended = false;
      response.on('error', fail);
      response.on('close', () => {
        if (!ended)
          fail(
            new TargetConnectionError(`${url.origin} closed the connection before the answer was complete`),
          );
      });
      response.on('end', () => {
        ended = true;
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          bodyExcerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
          url: url.href,
        });
      });
    });
    request.end(body);
  });
}
