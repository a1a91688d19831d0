import {
  DEFAULT_DECODE_LIMITS,
  type DecodedDelivery,
  DeliveryDecodeError,
  decodeDelivery,
  parseDeliveryPath,
  verifyDeliveryPath,
  type WebhookEvent,
} from '@srhooks/contracts';
import { DeliveryError } from './delivery-error.js';

export interface DeliveryOptions {
  /** Receiver secrets; the first signs new URLs, all are accepted (rotation). */
  secrets: readonly string[] | string;
  /** Largest body accepted, in bytes (default just under 5 MB). */
  maxBytes?: number;
}

export interface VerifiedDelivery {
  ok: true;
  shop: string;
  event: WebhookEvent;
  /** Which of `secrets` signed the URL (0 = the current one). */
  secretIndex: number;
  /** The decoded, typed payload: `switch (delivery.event)` narrows to orders or subscribers. */
  delivery: DecodedDelivery;
}

export interface RejectedDelivery {
  ok: false;
  error: DeliveryError;
}

export type DeliveryResult = VerifiedDelivery | RejectedDelivery;

export function secretList(secrets: DeliveryOptions['secrets']): string[] {
  return (typeof secrets === 'string' ? [secrets] : [...(secrets ?? [])]).filter(
    (s) => typeof s === 'string',
  );
}

/** The checks before reading a body: method and signed URL. Returns the target or the refusal. */
export function checkDeliveryTarget(
  method: string,
  path: string,
  secrets: readonly string[],
): { shop: string; event: WebhookEvent; secretIndex: number } | DeliveryError {
  if (method.toUpperCase() !== 'POST') {
    return new DeliveryError('method_not_allowed', 405, `deliveries are POSTed; ${method} is not accepted`);
  }
  const parsed = parseDeliveryPath(path);
  const verified = parsed ? verifyDeliveryPath(parsed, secrets) : { ok: false as const };
  if (!parsed || !verified.ok) {
    return new DeliveryError(
      'unknown_delivery_url',
      404,
      'no subscription uses this URL: register delivery URLs built with buildDeliveryUrl() and the same secret',
    );
  }
  return { shop: parsed.shop, event: parsed.event as WebhookEvent, secretIndex: verified.secretIndex };
}

/** Decodes the body for the verified target, turning decode errors into answerable refusals. */
export function decodeVerified(
  target: { shop: string; event: WebhookEvent; secretIndex: number },
  contentType: string | undefined,
  body: Buffer,
  maxBytes: number,
): DeliveryResult {
  try {
    const delivery = decodeDelivery({ event: target.event, contentType, body, limits: { maxBytes } });
    return { ok: true, ...target, delivery };
  } catch (error) {
    if (error instanceof DeliveryDecodeError) {
      const status =
        error.code === 'body_too_large' ? 413 : error.code === 'unsupported_content_type' ? 415 : 400;
      const code =
        error.code === 'body_too_large'
          ? 'body_too_large'
          : error.code === 'unsupported_content_type'
            ? 'unsupported_content_type'
            : 'invalid_delivery';
      return {
        ok: false,
        error: new DeliveryError(code, status, error.message, {
          reason: error.code,
          path: error.path,
          cause: error,
        }),
      };
    }
    throw error;
  }
}

export function tooLarge(maxBytes: number): DeliveryError {
  return new DeliveryError(
    'body_too_large',
    413,
    `delivery body is larger than ${maxBytes} bytes: ask for fewer fields or raise maxBytes`,
    { reason: 'body_too_large' },
  );
}

export const DEFAULT_MAX_BYTES = DEFAULT_DECODE_LIMITS.maxBytes;
