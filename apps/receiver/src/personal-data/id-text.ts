/**
 * Whether a text a sender gave as an id (an order's `innerId`, a subscriber's `id`) looks like one: ASCII
 * letters, digits and `_ . : / = + -`, at most 128 characters. ShopRenter's are digits (order numbers,
 * subscriber ids) or base64 resource ids; a "number" with spaces, `@` or accents is text from outside —
 * a name and an e-mail address were sent as an innerId — so views and logs do not show it as an id.
 */
const ID_LIKE = /^[\w.:/=+-]{1,128}$/;

export function looksLikeId(text: string): boolean {
  return ID_LIKE.test(text);
}
