/**
 * Masks contact data in an event payload before it is printed: values of e-mail, phone and fax fields
 * become "[email]" / "[phone]", and e-mail addresses or phone numbers inside any other text (a comment,
 * a note) are masked too, by the same redactor the receiver's logs use.
 */
import { createLineRedactor } from '../../logging/redact-log-line.js';

const CONTACT_KEY = /(e-?mail|phone|fax|mobile)/i;
const redactText = createLineRedactor();

export function maskPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (CONTACT_KEY.test(key) && inner !== null && inner !== '' && typeof inner !== 'object') {
        out[key] = /mail/i.test(key) ? '[email]' : '[phone]';
      } else {
        out[key] = maskPersonalData(inner);
      }
    }
    return out;
  }
  if (typeof value === 'string') return redactText(value);
  return value;
}
