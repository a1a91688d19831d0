import { ShopRenterError } from '../errors.js';

export type AppRequestErrorCode =
  | 'missing_parameter'
  | 'malformed_parameter'
  | 'bad_signature'
  | 'stale'
  | 'replayed'
  | 'invalid_notification';

/**
 * A ShopRenter app request (install, entry point, uninstall) or Payment API notification that
 * must be refused. `status` is what to answer: 401 for anything not proven authentic and fresh.
 * `authentic` is true only for `invalid_notification`: the signature held but the body is not a
 * notification — keep it (quarantine) rather than drop it.
 */
export class AppRequestError extends ShopRenterError {
  declare readonly code: AppRequestErrorCode;
  readonly status: number;
  readonly authentic: boolean;
  constructor(
    code: AppRequestErrorCode,
    message: string,
    options: { status?: number; authentic?: boolean } = {},
  ) {
    super(code, message);
    this.status = options.status ?? 401;
    this.authentic = options.authentic ?? false;
  }

  /** A body safe to send back: code and message, nothing from the request. */
  toJSON(): { error: string; message: string } {
    return { error: this.code, message: this.message };
  }
}
