/** Base class of every error raised by the contracts package: a stable `code` plus a human message. */
export class ContractsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Every code a {@link DeliveryDecodeError} carries (the README lists them all). */
export const DELIVERY_DECODE_ERROR_CODES = [
  'body_too_large',
  'empty_body',
  'unsupported_content_encoding',
  'invalid_utf8',
  'unsupported_content_type',
  'malformed_multipart',
  'missing_data_field',
  'duplicate_data_field',
  'invalid_urlencoded',
  'invalid_json',
  'duplicate_key',
  'number_too_large',
  'invalid_xml',
  'xml_doctype_forbidden',
  'too_deep',
  'wrong_envelope',
  'invalid_field',
] as const;

export type DeliveryDecodeErrorCode = (typeof DELIVERY_DECODE_ERROR_CODES)[number];

/** Which layer of a delivery was wrong: the HTTP body, the multipart/urlencoded form, the document, or a field. */
export type DeliveryPart = 'body' | 'content-type' | 'form' | 'document' | 'envelope' | 'field';

export class DeliveryDecodeError extends ContractsError {
  declare readonly code: DeliveryDecodeErrorCode;
  readonly part: DeliveryPart;
  /** Path of the offending field, e.g. `orders.order[0].orderProducts.orderProduct[1].quantity`. */
  readonly path: string | undefined;
  /** The offending value (truncated to 200 characters when it is a string). */
  readonly value: unknown;
  constructor(
    code: DeliveryDecodeErrorCode,
    part: DeliveryPart,
    message: string,
    details: { path?: string; value?: unknown } = {},
  ) {
    super(code, message);
    this.part = part;
    this.path = details.path;
    this.value = typeof details.value === 'string' ? details.value.slice(0, 200) : details.value;
  }

  toJSON(): { code: string; part: DeliveryPart; message: string; path?: string; value?: unknown } {
    return {
      code: this.code,
      part: this.part,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.value === undefined ? {} : { value: this.value }),
    };
  }
}

/** A field name that `webHookParameters[].fields` does not accept for the chosen event. */
export class FieldNotAvailableError extends ContractsError {
  readonly event: string;
  readonly fields: string[];
  readonly allowed: string[];
  constructor(event: string, fields: string[], allowed: string[]) {
    super(
      'field_not_available',
      `field${fields.length > 1 ? 's' : ''} ${fields.map((f) => `"${f}"`).join(', ')} not available for event ${event}; allowed: ${allowed.join(', ')}`,
    );
    this.event = event;
    this.fields = fields;
    this.allowed = allowed;
  }
}

export class InvalidShopNameError extends ContractsError {
  constructor(shop: string) {
    super(
      'invalid_shop_name',
      `invalid shop name "${shop.slice(0, 80)}": use the shop's ShopRenter name (lowercase letters, digits and hyphens, e.g. "my-shop")`,
    );
  }
}

export class InvalidEventError extends ContractsError {
  constructor(event: string, allowed: readonly string[]) {
    super('invalid_event', `unknown event "${event.slice(0, 80)}"; allowed: ${allowed.join(', ')}`);
  }
}
