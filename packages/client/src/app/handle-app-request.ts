import type { IncomingMessage } from 'node:http';
import { readNodeBody, readRequestBody } from '../delivery/read-body.js';
import { numberOption } from '../option-checks.js';
import { AppRequestError } from './app-request-error.js';
import {
  type AppRequestResult,
  appSecret,
  type VerifyAppRequestOptions,
  verifyAppRequest,
} from './verify-app-request.js';
import {
  type PaymentNotificationResult,
  type VerifyPaymentNotificationOptions,
  verifyPaymentNotification,
} from './verify-payment-notification.js';

/**
 * Framework helpers around `verifyAppRequest` / `verifyPaymentNotification`, in the manner of
 * `handleDelivery` / `handleNodeDelivery`: hand them the request, get a result that says whether
 * to go on or which status to answer. Never throw for a bad request.
 */

export interface AppRequestHandlerOptions extends VerifyAppRequestOptions {
  clientSecret: string;
}

/** The handlers read the body themselves and take its Content-Encoding from the request. */
export interface PaymentNotificationHandlerOptions
  extends Omit<VerifyPaymentNotificationOptions, 'contentEncoding'> {
  /** The app's WebhookSecretKey. */
  secretKey: string;
  /** Largest body read, in bytes (default 64 KiB; notifications are a few hundred bytes). */
  maxBytes?: number;
}

const DEFAULT_NOTIFICATION_MAX_BYTES = 64 * 1024;

/** Install, EntryPoint or UninstallUri call as a Fetch-API `Request` (Hono, Next.js, Bun, Deno). */
export function handleAppRequest(request: Request, options: AppRequestHandlerOptions): AppRequestResult {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET', request.method);
  return verifyAppRequest(new URL(request.url).searchParams, options.clientSecret, options);
}

/** The same for Node's `IncomingMessage` (node:http, Express: `originalUrl` is used when present). */
export function handleNodeAppRequest(
  req: IncomingMessage,
  options: AppRequestHandlerOptions,
): AppRequestResult {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET', method);
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  return verifyAppRequest(
    url.includes('?') ? url.slice(url.indexOf('?')) : '',
    options.clientSecret,
    options,
  );
}

/** A Payment API notification as a Fetch-API `Request`; reads the raw body itself. */
export async function handlePaymentNotification(
  request: Request,
  options: PaymentNotificationHandlerOptions,
): Promise<PaymentNotificationResult> {
  if (request.method !== 'POST') {
    await request.body?.cancel();
    return methodNotAllowed('POST', request.method);
  }
  const maxBytes = notificationMaxBytes(options);
  if (request.bodyUsed || request.body?.locked) {
    return {
      ok: false,
      error: new AppRequestError(
        'invalid_notification',
        'the body was already read (request.text()/json(), or a middleware), so its signature cannot be checked: call handlePaymentNotification with the Request before anything reads its body, or pass request.clone()',
        { status: 500 },
      ),
    };
  }
  let body: Buffer | undefined;
  try {
    body = await readRequestBody(request.body, maxBytes);
  } catch (error) {
    return unreadable(error);
  }
  if (body === undefined) return tooLarge();
  return verifyPaymentNotification(body, new URL(request.url).searchParams, options.secretKey, {
    ...options,
    contentEncoding: request.headers.get('content-encoding') ?? undefined,
  });
}

/**
 * A Payment API notification as Node's `IncomingMessage`. Mount it without a JSON body parser
 * (or after `express.raw({type: '*\/*'})`): the signature covers the bytes as sent.
 */
export async function handleNodePaymentNotification(
  req: IncomingMessage,
  options: PaymentNotificationHandlerOptions,
): Promise<PaymentNotificationResult> {
  const method = req.method ?? 'GET';
  if (method !== 'POST') {
    req.resume();
    return methodNotAllowed('POST', method);
  }
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  const maxBytes = notificationMaxBytes(options);
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) {
    if (parsed.byteLength > maxBytes) return tooLarge();
    return verifyPaymentNotification(parsed, query, options.secretKey, options);
  }
  if (req.readableEnded || (typeof parsed === 'object' && parsed !== null)) {
    return {
      ok: false,
      error: new AppRequestError(
        'invalid_notification',
        'the body was already parsed, so its signature cannot be checked: mount this route before express.json(), or use express.raw({type: "*/*"})',
        { status: 500 },
      ),
    };
  }
  let body: Buffer | undefined;
  try {
    body = await readNodeBody(req, maxBytes);
  } catch (error) {
    return unreadable(error);
  }
  if (body === undefined) return tooLarge();
  // read here as sent: a compressed body is refused by its Content-Encoding, never misread as text
  return verifyPaymentNotification(body, query, options.secretKey, {
    ...options,
    contentEncoding: req.headers['content-encoding'],
  });
}

function methodNotAllowed(expected: string, method: string): { ok: false; error: AppRequestError } {
  return {
    ok: false,
    error: new AppRequestError(
      'malformed_parameter',
      `ShopRenter sends this with ${expected}; ${method} is not accepted`,
      {
        status: 405,
      },
    ),
  };
}

function tooLarge(): { ok: false; error: AppRequestError } {
  return {
    ok: false,
    error: new AppRequestError(
      'invalid_notification',
      'the body is larger than a Payment API notification can be',
      {
        status: 413,
      },
    ),
  };
}

/**
 * The options checked before the body is read: the secret (an unset one throws `InputError` on the
 * first call, not on the first well-formed notification) and `maxBytes` (a whole number ≥ 1).
 */
function notificationMaxBytes(options: PaymentNotificationHandlerOptions): number {
  appSecret('handlePaymentNotification', 'secretKey', 'WebhookSecretKey', options?.secretKey);
  return numberOption('options.maxBytes', options.maxBytes, DEFAULT_NOTIFICATION_MAX_BYTES, {
    min: 1,
    whole: true,
    unit: 'bytes',
    hint: `default ${DEFAULT_NOTIFICATION_MAX_BYTES}`,
  });
}

/** A body that stopped half-way (the sender closed the connection): answered, never thrown. */
function unreadable(cause: unknown): { ok: false; error: AppRequestError } {
  const reason = cause instanceof Error && cause.message ? cause.message.split('\n')[0] : 'the stream failed';
  return {
    ok: false,
    error: new AppRequestError(
      'invalid_notification',
      `the body could not be read to its end (${reason}): the sender closed the connection before all of it arrived; nothing was verified`,
      { status: 400 },
    ),
  };
}
