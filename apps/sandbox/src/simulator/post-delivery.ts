import http from 'node:http';
import https from 'node:https';

export interface DeliveryRequest {
  url: string;
  contentType: string;
  body: Buffer;
}

export interface DeliveryResult {
  status: number;
  /** The first 2 KiB of the receiver's answer, for the delivery log. */
  responseBody: string;
  /** Whether the receiver answered `100 Continue` before the body was sent. */
  continued: boolean;
}

export interface PostOptions {
  /** Give up (and record an error) when no complete answer arrives within this time. */
  timeoutMs: number;
  /** Send the body anyway when no `100 Continue` arrives within this time (curl: 1 s). */
  expectContinueTimeoutMs: number;
  signal?: AbortSignal;
}

const MAX_RESPONSE_BYTES = 2048;

/**
 * POSTs one delivery the way ShopRenter's PHP/curl does: headers first with
 * `Expect: 100-continue`, the body after `100 Continue` (or after a short wait), `Connection: close`,
 * no keep-alive agent. Resolves with the status even for non-2xx answers; rejects on network
 * errors and timeouts.
 */
export function postDelivery(request: DeliveryRequest, options: PostOptions): Promise<DeliveryResult> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      reject(new Error(`not an absolute URL: ${request.url}`));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new Error(`unsupported URL scheme ${url.protocol} (use http or https)`));
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    let bodySent = false;
    let continued = false;
    let settled = false;
    const req = transport.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        Host: url.host,
        'User-Agent': 'ShopRenter',
        Accept: '*/*',
        'Content-Length': String(request.body.length),
        Expect: '100-continue',
        Connection: 'close',
        'Content-Type': request.contentType,
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const finish = (error: Error | undefined, result?: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(continueTimer);
      clearTimeout(overallTimer);
      if (error) reject(error);
      else resolve(result as DeliveryResult);
    };
    const sendBody = () => {
      if (bodySent || settled) return;
      bodySent = true;
      clearTimeout(continueTimer);
      req.end(request.body);
    };
    const continueTimer = setTimeout(sendBody, options.expectContinueTimeoutMs);
    const overallTimer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('continue', () => {
      continued = true;
      sendBody();
    });
    req.on('response', (res) => {
      // A final answer before the body was sent (e.g. 417, 413): curl does not send the body then.
      clearTimeout(continueTimer);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', (error) => finish(error));
      res.on('end', () => {
        const responseBody = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
        finish(undefined, { status: res.statusCode ?? 0, responseBody, continued });
        if (!bodySent) req.destroy();
      });
    });
    req.on('error', (error) => finish(error));
    req.flushHeaders();
  });
}
