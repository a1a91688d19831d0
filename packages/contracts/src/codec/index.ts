export { type ParsedContentType, parseContentType } from './content-type.js';
export {
  ACCEPTED_CONTENT_TYPES,
  DEFAULT_DECODE_LIMITS,
  type DecodeDeliveryInput,
  type DecodedDelivery,
  type DecodedNewsletterDelivery,
  type DecodedOrderDelivery,
  type DecodeLimits,
  decodeDelivery,
} from './decode-delivery.js';
export { DeliveryEncodeError, type DeliveryEncodeErrorCode } from './delivery-encode-error.js';
export {
  type DeliveryPayload,
  type EncodeDeliveryOptions,
  type EncodedDelivery,
  encodeDelivery,
} from './encode-delivery.js';
export { parseUrlEncoded, UrlEncodedFormatError } from './form-urlencoded.js';
export { JsonReadError, type JsonReadErrorCode, readJsonDocument } from './json-document.js';
export {
  MultipartFormatError,
  type MultipartPart,
  randomBoundary,
  readMultipartFormData,
  writeMultipartFormData,
} from './multipart.js';
export { encodePhpJson } from './php-json.js';
export {
  readXmlDocument,
  scanXmlMarkup,
  writeXmlDocument,
  XML_LIST_CONTAINERS,
  XML_LIST_ELEMENTS,
  XmlReadError,
  type XmlReadErrorCode,
  type XmlReadOptions,
  XmlWriteError,
} from './xml.js';
