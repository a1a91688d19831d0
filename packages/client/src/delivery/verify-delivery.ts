import {
  DEFAULT_DECODE_LIMITS,
  type DecodedDelivery,
  DeliveryDecodeError,
  decodeDelivery,
  isUsableSecret,
  MIN_SECRET_LENGTH,
  parseDeliveryPath,
  verifyDeliveryPath,
  type WebhookEvent,
} from '@srhooks/contracts';
import { InputError } from '../errors.js';
import { callOptionWords, checkOptionKeys, kindOf, numberOption, optionKeys } from '../option-checks.js';
import { DeliveryError } from './delivery-error.js';

export interface DeliveryOptions {
  /**
   * Receiver secrets; the first signs new URLs, all are accepted (rotation). Each at least 16
   * characters; a missing, empty or shorter one is an `InputError` (`missing_secret` /
   * `weak_secret`), never a silent 404 for every delivery.
   */
  secrets: readonly string[] | string;
  /** Largest body accepted, in bytes: a whole number ≥ 1 (default just under 5 MB); else `InputError`. */
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

/**
 * The secrets to verify with. Throws `InputError` when any of them is not a usable secret
 * (contracts' `isUsableSecret`: a string of at least 16 characters): with none, or an unset
 * environment variable among them, every genuine delivery would be refused as an unknown URL.
 * The messages name the entry and its kind (`a Buffer`, `a number`), never its value: a secret
 * given in the wrong type is still a secret, and the message may end up in a log.
 */
const DELIVERY_OPTION_KEYS = optionKeys<DeliveryOptions>()(['secrets', 'maxBytes']);

/** Refuses a misspelt option of handleDelivery/handleNodeDelivery (`secret` for `secrets`, `maxbytes`). */
export function checkDeliveryOptionKeys(options: unknown, call: string): void {
  if (typeof options === 'object' && options !== null) {
    checkOptionKeys(options, DELIVERY_OPTION_KEYS, 'options', callOptionWords(call));
  }
}

export function secretList(secrets: unknown): string[] {
  if (secrets !== undefined && secrets !== null && typeof secrets !== 'string' && !Array.isArray(secrets)) {
    throw new InputError(
      `options.secrets must be a string or a list of strings (the receiver secrets the delivery URLs were built with), got ${kindOf(secrets)}${Buffer.isBuffer(secrets) ? ': pass it as text, e.g. buffer.toString()' : ''}`,
      { field: 'secrets', value: undefined, code: 'invalid_input' },
    );
  }
  const list: unknown[] =
    typeof secrets === 'string' ? [secrets] : Array.isArray(secrets) ? [...secrets] : [];
  if (list.length === 0) {
    throw new InputError(
      'handleDelivery/handleNodeDelivery need at least one receiver secret in options.secrets (got none): pass the secret the delivery URLs were built with, e.g. {secrets: [process.env.SRHOOKS_SECRET]}, and check that the variable is set',
      { field: 'secrets', value: undefined, code: 'missing_secret' },
    );
  }
  list.forEach((secret, index) => {
    checkReceiverSecret(secret, `secrets[${index}]`);
  });
  return list as string[];
}

/**
 * One receiver secret checked (`field` names it in the message, e.g. `secrets[1]`): a missing or empty
 * one is `missing_secret` (an unset environment variable), one that is not a string `invalid_input`
 * (its kind named, never its value), a shorter one `weak_secret`. The rule is contracts'
 * `isUsableSecret`; `handleDelivery`, `handleNodeDelivery` and `buildDeliveryUrl` share it.
 */
export function checkReceiverSecret(
  secret: unknown,
  field: string,
  label = `options.${field}`,
): asserts secret is string {
  if (isUsableSecret(secret)) return;
  if (secret === undefined || secret === null || secret === '') {
    throw new InputError(
      `${label} is ${secret === '' ? 'empty' : String(secret)}: is the environment variable that should hold this receiver secret set?${label.startsWith('options.') ? ' Every delivery would be refused as an unknown URL without it' : ''}`,
      { field, value: undefined, code: 'missing_secret' },
    );
  }
  if (typeof secret !== 'string') {
    throw new InputError(
      `${label} is ${kindOf(secret)}, not a string: pass the receiver secret as text (the string the delivery URLs are built with${Buffer.isBuffer(secret) ? ', e.g. buffer.toString()' : ''})`,
      { field, value: undefined, code: 'invalid_input' },
    );
  }
  throw new InputError(
    `${label} is ${secret.length} characters; a receiver secret needs at least ${MIN_SECRET_LENGTH} (the receiver's SRHOOKS_SECRETS rule; make one with \`openssl rand -base64 32\`)`,
    { field, value: undefined, code: 'weak_secret' },
  );
}

/**
 * `options.maxBytes` checked: a whole number of bytes ≥ 1, default {@link DEFAULT_MAX_BYTES}. Anything
 * else (`NaN` from an unset environment variable, a string, `Infinity`) is an `InputError`: compared
 * with `NaN`, no body is ever too large, so the limit would be gone without a word.
 */
export function maxBytesOption(maxBytes: unknown): number {
  return numberOption('options.maxBytes', maxBytes, DEFAULT_MAX_BYTES, {
    min: 1,
    whole: true,
    unit: 'bytes',
    hint: `default ${DEFAULT_MAX_BYTES}; leave it out for the default`,
  });
}

/**
 * A body that could not be read to its end: the sender closed the connection (or the stream failed)
 * before all of it arrived. Answered, never thrown: a rejected promise in a framework that does not
 * catch it (Express 4) would take the process down.
 */
export function unreadableBody(cause: unknown): DeliveryError {
  const reason = cause instanceof Error && cause.message ? cause.message.split('\n')[0] : 'the stream failed';
  return new DeliveryError(
    'body_unreadable',
    400,
    `the delivery's body could not be read to its end (${reason}): the sender closed the connection or the stream failed before all of it arrived, so nothing was decoded; nothing to do unless it keeps happening (then look at timeouts between the shop and this app)`,
    { cause },
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

/**
 * Decodes the body for the verified target, turning decode errors into answerable refusals.
 * `contentEncoding`: the request's Content-Encoding when `body` is the bytes as sent (a coding other than
 * identity is refused, `invalid_delivery` with reason `unsupported_content_encoding`); undefined for a body
 * a parser already read (Express's `raw()` inflates gzip and deflate itself).
 */
export function decodeVerified(
  target: { shop: string; event: WebhookEvent; secretIndex: number },
  contentType: string | undefined,
  body: Buffer,
  maxBytes: number,
  contentEncoding?: string,
): DeliveryResult {
  try {
    const delivery = decodeDelivery({
      event: target.event,
      contentType,
      contentEncoding,
      body,
      limits: { maxBytes },
    });
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
