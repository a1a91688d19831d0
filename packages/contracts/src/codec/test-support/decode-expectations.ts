/** Test helpers for decodeDelivery's refusals (decode-delivery*.test.ts). */
import { DeliveryDecodeError } from '../../errors.js';
import { type DecodeDeliveryInput, decodeDelivery } from '../decode-delivery.js';
import { writeMultipartFormData } from '../multipart.js';

/** The DeliveryDecodeError decodeDelivery throws for `input` (fails the test when it throws none). */
export function decodeError(input: DecodeDeliveryInput): DeliveryDecodeError {
  try {
    decodeDelivery(input);
  } catch (error) {
    if (error instanceof DeliveryDecodeError) return error;
    throw error;
  }
  throw new Error('expected a DeliveryDecodeError');
}

/** A multipart/form-data body with these fields, as a delivery input. */
export function multipartWith(fields: Array<{ name: string; value: string }>, boundary = 'b0undary') {
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: writeMultipartFormData(fields, boundary),
  };
}
