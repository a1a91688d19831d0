/**
 * Why an authentic delivery is quarantined instead of stored as events: over the body limit, or its body
 * did not decode. The same reasons for a delivery ingested directly (hooks-routes.ts) and one drained
 * from the spool (spool/spooled-content.ts).
 */
import { DeliveryDecodeError } from '@srhooks/contracts';
import type { DecodeFailure } from '../store/store.js';

/** How a quarantined delivery is stored and answered: the failure, and the details of the 400. */
export interface Quarantined {
  failure: DecodeFailure;
  details: { part?: string; path?: string; value?: unknown };
}

/** An authentic delivery over SRHOOKS_BODY_LIMIT (within the hard limit): stored raw, not decoded. */
export function tooLargeReason(bytes: number, bodyLimit: number): Quarantined {
  return {
    failure: {
      code: 'too_large',
      message:
        `The body is ${bytes} bytes, over the receiver's body limit of ${bodyLimit} bytes: stored raw, not decoded. ` +
        'Raise SRHOOKS_BODY_LIMIT (or "bodyLimit") and re-process it.',
    },
    details: { part: 'body' },
  };
}

/**
 * A decoder's error → what the delivery is quarantined with. `unexpected` is called for an error that is
 * not a DeliveryDecodeError (a decoder bug: the caller logs it).
 */
export function undecodableReason(error: unknown, unexpected: (error: unknown) => void): Quarantined {
  if (error instanceof DeliveryDecodeError) {
    return {
      failure: { code: error.code, message: error.message },
      details: {
        part: error.part,
        ...(error.path === undefined ? {} : { path: error.path }),
        ...(error.value === undefined ? {} : { value: error.value }),
      },
    };
  }
  unexpected(error);
  return {
    failure: {
      code: 'decode_failed',
      message: `The delivery could not be decoded (${(error as Error).message}).`,
    },
    details: {},
  };
}
