/**
 * How the inspector, and the CLI's admin commands (through the `@srhooks/receiver/personal-data-mask`
 * export: this module imports only a constant module, id-text.ts and sender-text.ts, which import nothing), hide personal data until an admin asks to see it (the "show
 * personal data" toggle, `--reveal`): names keep their initials (`Kovács Éva` → `K*** É***`), e-mail
 * addresses their first letter and domain, phone numbers their last two digits. Free text (an order's
 * comment) may hold any of them in any form, so it is hidden whole.
 */

import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import { looksLikeId } from './id-text.js';
import { hideJsonParserSnippet, hideUnknownEntity, replaceDoubleQuoted } from './sender-text.js';

/** `Kovács Éva` → `K*** É***` (first character of each word, accents kept). */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .filter((word) => word !== '')
    .map((word) => `${Array.from(word)[0] ?? ''}***`)
    .join(' ');
}

/** A domain name as an e-mail address ends with: letters, digits and hyphens, in dot-separated labels. */
const EMAIL_DOMAIN = /^@[\p{L}\p{N}](?:[\p{L}\p{N}.-]*[\p{L}\p{N}])?$/u;

/**
 * `test.peter@example.com` → `t***@example.com`. The field is the checkout's text: one holding more
 * than an address after its @ (`zsofi@freemail.hu (Bárány Zsófia, 06 30 …)`) would show those words as
 * its domain, so it is hidden whole, as free text.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return maskName(email);
  const domain = email.slice(at).trimEnd();
  if (!EMAIL_DOMAIN.test(domain)) return maskFreeText(email);
  return `${Array.from(email)[0] ?? ''}***${domain}`;
}

/** What a phone field holds besides digits that stays in its mask: spaces and a number's punctuation. */
const NOT_PHONE_PUNCTUATION = /[^\d\s+\-()/.,;*]+/gu;

/**
 * `+36304573549` → `+*********49`. The field is free text in the shop's checkout (`06 30 123 4567 (Kovács
 * Éva titkárnője)`, `… vagy kovacs.eva@gmail.com`): any other run of characters, a word, becomes `***`.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '').length;
  let seen = 0;
  return phone
    .replace(/\d/g, (digit) => {
      seen += 1;
      return seen > digits - 2 ? digit : '*';
    })
    .replace(NOT_PHONE_PUNCTUATION, '***');
}

/** Free text is hidden whole: only its length is shown. */
export function maskFreeText(text: string): string {
  return `hidden (${Array.from(text).length} characters)`;
}

/**
 * An event's subject id (an order's innerId, a subscriber's id) as a masked view shows it: as it is when it
 * looks like an id, else hidden whole as free text (a name and a phone number were sent as one).
 */
export function maskSubjectText(id: string): string {
  return looksLikeId(id) ? id : maskFreeText(id);
}

/** Job errors the receiver writes itself, with nothing from outside in them: shown as they are. */
const RECEIVERS_OWN_ERRORS: ReadonlySet<string> = new Set([CANCELLED_BY_UNINSTALL]);

/**
 * A handler's error text (a forward target's answer body, a module handler's thrown message) is free
 * text from outside: ERP targets echo the customer they refused (`customer already exists: <e-mail>
 * <name>`), so it is hidden whole like a comment. The attempt's HTTP status is shown beside it.
 * `reveal` says how the viewer shows it (the inspector's toggle; the CLI's `--reveal`). A held event's
 * verification detail (`innerId delivered <as sent>, …`, which the held attempt's error quotes) is hidden
 * the same way, named by `what` (`detail hidden (…)`). The receiver's own texts (an uninstall's
 * cancellation) are not hidden. `summary` is the receiver's own words about the failure (the job's
 * `lastErrorSummary`, the attempt's `errorSummary`: `connection refused by …`, `… answered 500`), shown
 * before the hidden text so the common failures read at a glance.
 */
export function maskHandlerError(
  text: string,
  reveal = 'Show personal data',
  what = 'error',
  summary: string | null = null,
): string {
  if (RECEIVERS_OWN_ERRORS.has(text) || text === summary) return text;
  const hidden = `${Array.from(text).length} characters; ${reveal} to read it`;
  return summary === null ? `${what} hidden (${hidden})` : `${summary}; the full ${what} hidden (${hidden})`;
}

/**
 * Quoted literals of the codec's own messages (`The "data" field is empty.`, wrong_envelope's `but
 * "orders.order" is a string`) and of the receiver's own quarantine reasons (too_large: `Raise
 * SRHOOKS_BODY_LIMIT (or "bodyLimit") …`): not the sender's data.
 */
const OWN_LITERALS = new Set([
  '"data"',
  '"orders"',
  '"order"',
  '"newsletter"',
  '"subscriber"',
  '"orders.order"',
  '"newsletter.subscriber"',
  '"&"',
  '"bodyLimit"',
]);
/** A quoted name in an XML parser message (`Closing tag 'x' is expected …`): no spaces inside. */
const SINGLE_QUOTED = /'[^'\s]{1,200}'/g;
/** The decoder's unsupported_content_type message, up to the quoted header value (its JSON string). */
const CONTENT_TYPE_REFUSED = /^Content-Type "(?:[^"\\\n]|\\.)*" is not accepted; /;
/** `(got 36705551234)`: a number the sender sent where something else was expected. */
const GOT_NUMBER = /\(got -?[\d.eE+-]+\)/g;

/**
 * A decode error's message as a masked view shows it: the code's words, the part, the field path and
 * what was expected stay; what the sender sent — the quoted value (`got "Bárány Zsófia, …"`), the
 * snippet of a broken document (`near "…"`, and the JSON parser's own `…"…"… is not valid JSON`), a quoted name or an unknown entity from an XML parser message, a number
 * given for something else — is `[hidden]`.
 */
export function maskDecodeMessage(message: string): string {
  // unsupported_content_type quotes the request's Content-Type: a protocol header, shown unmasked with the
  // delivery's headers (delivery-header-privacy.ts), so the sender's 400 and the views name it.
  const contentType = CONTENT_TYPE_REFUSED.exec(message);
  if (contentType) return contentType[0] + maskSenderText(message.slice(contentType[0].length));
  return maskSenderText(message);
}

function maskSenderText(message: string): string {
  // The JSON parser's own snippet of the document (`Unexpected token 'K', ..."comment": Kovács Éva"... is
  // not valid JSON`): raw text of the body, quotes unbalanced, so hidden whole up to the last ` is not valid
  // JSON`; the XML reader's `unknown entity &…;` (the entity's name is the sender's text); then every
  // double-quoted string but the receiver's own words. In linear time: sender-text.ts.
  const quoted = replaceDoubleQuoted(
    hideUnknownEntity(hideJsonParserSnippet(message, '[hidden]'), '[hidden]'),
    (text) => (OWN_LITERALS.has(text) ? text : '[hidden]'),
  );
  return quoted.replace(SINGLE_QUOTED, '[hidden]').replace(GOT_NUMBER, '(got [hidden])');
}

/**
 * The value a delivery failed to decode on (a quarantined delivery's `decodeError.detail.value`): what
 * the sender sent, in any form, so hidden whole like free text; its length is that of its JSON text.
 */
export function maskDecodeValue(value: unknown, reveal = 'Show personal data'): string {
  return `value hidden (${Array.from(decodeValueText(value)).length} characters; ${reveal} to read it)`;
}

/** A decode failure's value as a view shows it revealed: a string as it is, anything else as JSON. */
export function decodeValueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What a view says of a delivery quarantined before the receiver recorded part, path and value. */
export const DECODE_DETAIL_NOT_RECORDED = 'not recorded (quarantined before this version)';
/** What stands for the decode failure detail of an erased delivery: an erasure removes it with the body it may quote. */
export const DECODE_DETAIL_ERASED = 'erased on request (with the body as received)';
