/**
 * Why an authentic delivery is quarantined instead of stored as events: over the body limit, or its body
 * did not decode. The same reasons for a delivery ingested directly (hooks-routes.ts) and one drained
 * from the spool (spool/spooled-content.ts).
 */

import { DeliveryDecodeError } from '@srhooks/contracts';
import { type LimitAdvice, RECEIVER_LIMIT_ADVICE } from '../config/limit-advice.js';
import { maskDecodeMessage } from '../personal-data/personal-data-mask.js';
import type { DecodeFailure } from '../store/store.js';

/**
 * How a quarantined delivery is stored and answered: the failure (stored whole, with the value found),
 * and the 400's error details, which never carry the value.
 */
export interface Quarantined {
  failure: DecodeFailure;
  answer: QuarantineAnswer;
}

/**
 * What the 400 tells the sender: the code, the message with what the sender sent `[hidden]` (as a masked
 * view shows it: personal-data-mask.ts `maskDecodeMessage`), and which part and field failed. Never the
 * value: the answer may be logged by the sender or a proxy, and the operator reads it in the inspector.
 */
export interface QuarantineAnswer {
  code: string;
  message: string;
  part?: string;
  path?: string;
}

function quarantined(failure: DecodeFailure): Quarantined {
  const { part, path } = failure.detail ?? {};
  return {
    failure,
    answer: {
      code: failure.code,
      message: maskDecodeMessage(failure.message),
      ...(part === undefined ? {} : { part }),
      ...(path === undefined ? {} : { path }),
    },
  };
}

/** An authentic delivery over SRHOOKS_BODY_LIMIT (within the hard limit): stored raw, not decoded. */
export function tooLargeReason(
  bytes: number,
  bodyLimit: number,
  advice: LimitAdvice = RECEIVER_LIMIT_ADVICE,
): Quarantined {
  return quarantined({
    code: 'too_large',
    message: `The body is ${bytes} bytes, over the receiver's body limit of ${bodyLimit} bytes: stored raw, not decoded. ${advice.bodyLimit}`,
    detail: { part: 'body' },
  });
}

/** A DeliveryDecodeError → the failure stored with the delivery (its part, path and value as it has them). */
export function decodeFailureOf(error: DeliveryDecodeError): DecodeFailure {
  return {
    code: error.code,
    message: error.message,
    detail: {
      part: error.part,
      ...(error.path === undefined ? {} : { path: error.path }),
      ...(error.value === undefined ? {} : { value: storedValue(error.value) }),
    },
  };
}

/** The most of a failure's value kept with the delivery, in characters of its JSON. */
export const STORED_VALUE_MAX_CHARS = 2000;

/**
 * The value found where decoding failed, as stored: as found while its JSON is short (a string is cut to
 * 200 characters by the decoder already); an object or list found at the failed path can be as large as
 * the body, which the delivery keeps anyway, so only the start of its JSON is kept, saying so.
 */
export function storedValue(value: unknown): unknown {
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= STORED_VALUE_MAX_CHARS) return value;
  return `${json.slice(0, STORED_VALUE_MAX_CHARS)}… (cut: ${json.length} characters in all; the whole is in the raw body)`;
}

/**
 * A decoder's error → what the delivery is quarantined with. `unexpected` is called for an error that is
 * not a DeliveryDecodeError (a decoder bug: the caller logs it).
 */
export function undecodableReason(error: unknown, unexpected: (error: unknown) => void): Quarantined {
  if (error instanceof DeliveryDecodeError) return quarantined(decodeFailureOf(error));
  unexpected(error);
  return quarantined({
    code: 'decode_failed',
    message: `The delivery could not be decoded (${(error as Error).message}).`,
    detail: {},
  });
}
