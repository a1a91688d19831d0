import { ContractsError } from '../errors.js';

export type DeliveryEncodeErrorCode =
  | 'wrong_envelope'
  | 'not_encodable'
  | 'invalid_boundary'
  | 'invalid_format';

/**
 * `encodeDelivery` could not produce a delivery: the payload's envelope does not fit the event,
 * a value has no JSON/XML form, the requested boundary is unusable, or the options name no format
 * (`invalid_format`: `{format: 'json' | 'xml'}` is required). `path` names the value.
 */
export class DeliveryEncodeError extends ContractsError {
  declare readonly code: DeliveryEncodeErrorCode;
  readonly path: string | undefined;
  constructor(code: DeliveryEncodeErrorCode, message: string, path?: string) {
    super(code, message);
    this.path = path;
  }
}
