/**
 * Masks personal data in an event payload before the `log` handler prints it:
 * - e-mail, phone, fax and mobile fields become "[email]" / "[phone]";
 * - names (`firstname`, `lastname`, `shippingFirstname`, …), company names and tax numbers (a Hungarian
 *   sole trader's identify the person) keep their initials ("Kovács" → "K***");
 * - street address lines (`shippingAddress1`, `paymentAddress2`, …) become "[address]";
 * - free text (`comment`, `note`, `message`, and a product option's value `orderProductOption_valueName`:
 *   a text option holds what the customer typed, an engraving or a name) is hidden whole ("[text: N
 *   characters]"): it may hold anything in any form;
 * - the cart reload link (`reloadLink`, abandoned carts) becomes "[link]": it reopens the customer's
 *   cart for whoever has it (assumed: ShopRenter documents only its label), so it is a credential; the
 *   cart's token (`cart_token`, and any other field named `…token`) becomes "[token]", as the link is
 *   assumed to carry it (the sandbox's `reloadLink` ends in `token=<cart_token>`);
 * - in every other text, e-mail addresses and phone numbers are masked, by the receiver's log
 *   redactor and in every Hungarian form (`+36 30 123 4567`, `06-30-123-4567`, `36-30-123-4567`,
 *   `30/123-4567`, `(1) 234-5678`).
 */
import { HUNGARIAN_PHONE } from '../../logging/phone-number.js';
import { createLineRedactor } from '../../logging/redact-log-line.js';
import { maskName } from '../../personal-data/personal-data-mask.js';

const CONTACT_KEY = /(e-?mail|phone|fax|mobile)/i;
/** Names, and what names a person too: a company name or tax number (a sole trader's are their own). */
const NAME_KEY = /((first|last)name|company|taxnumber)$/i;
const ADDRESS_KEY = /address\d*$/i;
/** Free text, a product option's value included: customers type into text options (an engraving, a name). */
const FREE_TEXT_KEY = /(comment|note|message|valuename)$/i;
const LINK_KEY = /^reloadLink$/i;
const TOKEN_KEY = /token$/i;
const redactText = createLineRedactor();

function maskField(key: string, value: unknown): unknown {
  if (value === null || value === '' || typeof value === 'object') return maskPersonalData(value);
  if (CONTACT_KEY.test(key)) return /mail/i.test(key) ? '[email]' : '[phone]';
  if (typeof value !== 'string') return value;
  if (NAME_KEY.test(key)) return maskName(value);
  if (ADDRESS_KEY.test(key)) return '[address]';
  if (LINK_KEY.test(key)) return '[link]';
  if (TOKEN_KEY.test(key)) return '[token]';
  if (FREE_TEXT_KEY.test(key)) return `[text: ${Array.from(value).length} characters]`;
  return maskPersonalData(value);
}

export function maskPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = maskField(key, inner);
    return out;
  }
  if (typeof value === 'string') return redactText(value).replace(HUNGARIAN_PHONE, '[phone]');
  return value;
}
