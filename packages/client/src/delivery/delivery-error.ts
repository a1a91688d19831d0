import { ShopRenterError } from '../errors.js';

export type DeliveryErrorCode =
  | 'method_not_allowed'
  | 'unknown_delivery_url'
  | 'body_too_large'
  | 'body_already_consumed'
  | 'body_unreadable'
  | 'unsupported_content_type'
  | 'invalid_delivery';

/** A delivery that must be refused, with the HTTP status to answer. */
export class DeliveryError extends ShopRenterError {
  declare readonly code: DeliveryErrorCode;
  /** The HTTP status to answer the sender with. */
  readonly status: number;
  /** For `invalid_delivery`: contracts' decode error code (`invalid_json`, `wrong_envelope`, …). */
  readonly reason: string | undefined;
  /** Where in the body the problem is, when known (`orders.order[0].innerId`). */
  readonly path: string | undefined;
  constructor(
    code: DeliveryErrorCode,
    status: number,
    message: string,
    details: { reason?: string; path?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.status = status;
    this.reason = details.reason;
    this.path = details.path;
  }

  /**
   * A body to send back to the sender: code, message, reason and path. Nothing of the request but what
   * the decoder's message quotes of the sender's own body to locate a problem (a JSON syntax error's
   * `near "…"`, a refused Content-Type): do not log it where the delivery's personal data may not go.
   */
  toJSON(): { error: string; message: string; reason?: string; path?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.path ? { path: this.path } : {}),
    };
  }
}
