import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { failureReason } from '@srhooks/client/network-failure';
import { formatDuration } from '@srhooks/contracts/duration';
import { remoteError } from '../cli-error.js';
import { parseHttpUrl } from '../url-option.js';
import { maskDeliveryUrl } from './mask-delivery-url.js';

export interface PostDeliveryInput {
  url: string;
  contentType: string;
  body: Buffer;
  /** Give up after this many ms without an answer (default 30 000). */
  timeoutMs?: number;
  /** How long to wait for `100 Continue` before sending the body anyway, as curl does (default 1000). */
  expectContinueMs?: number;
}

export interface PostDeliveryResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  /** The server answered `100 Continue` before the body was sent. */
  continued: boolean;
  /** The server answered before the body was sent (so it was never sent). */
  bodySent: boolean;
  bytesSent: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * POSTs one delivery exactly as a ShopRenter shop does (FACTS.md §4 and
 * `deliveries/*.multipart.http`): the same headers in the same order — Host, `User-Agent:
 * ShopRenter`, `Accept: *∕*`, Content-Length, `Expect: 100-continue`, `Connection: close`,
 * Content-Type — then the body once the server says `100 Continue` (or after a second, as
 * curl does). A final answer before that means the body is not sent at all.
 */
export async function postDelivery(input: PostDeliveryInput): Promise<PostDeliveryResult> {
  const target = parseHttpUrl('--to', input.url, 'e.g. --to http://127.0.0.1:4750/hooks/…');
  const transport = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const options: RequestOptions = {
    method: 'POST',
    agent: false,
    headers: {
      Host: target.host,
      'User-Agent': 'ShopRenter',
      Accept: '*/*',
      'Content-Length': String(input.body.length),
      Expect: '100-continue',
      Connection: 'close',
      'Content-Type': input.contentType,
    },
  };
  const shown = maskDeliveryUrl(input.url);

  return new Promise<PostDeliveryResult>((resolve, reject) => {
    let bodySent = false;
    let continued = false;
    let settled = false;
    let request: ClientRequest;
    const finish = (error: Error | undefined, result?: PostDeliveryResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(continueTimer);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(result as PostDeliveryResult);
    };
    const sendBody = (): void => {
      if (bodySent || settled) return;
      bodySent = true;
      request.end(input.body);
    };
    const deadline = setTimeout(() => {
      request.destroy();
      finish(
        remoteError(
          `no answer from ${shown} within ${formatDuration(input.timeoutMs ?? 30_000)}`,
          `check --to: something accepted the connection there but sent no answer (a stuck or overloaded receiver, or a server of another kind), or allow more time with --timeout (e.g. --timeout ${formatDuration(Math.min((input.timeoutMs ?? 30_000) * 2, 3_600_000))})`,
          'timeout',
        ),
      );
    }, input.timeoutMs ?? 30_000);
    const continueTimer = setTimeout(sendBody, input.expectContinueMs ?? 1000);

    request = transport.request(target, options, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      });
      response.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        finish(undefined, {
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          continued,
          bodySent,
          bytesSent: bodySent ? input.body.length : 0,
        });
        if (!bodySent) request.destroy();
      });
      response.on('error', (error) => finish(error));
    });
    request.on('continue', () => {
      continued = true;
      sendBody();
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish(
        remoteError(
          `cannot deliver to ${shown} (${failureReason(error)})`,
          error.code === 'ECONNREFUSED'
            ? 'is the receiver running? check --to'
            : 'check --to and the network',
          'network_error',
          error,
        ),
      );
    });
    request.flushHeaders();
  });
}
