/**
 * Whether a raw delivery body (as received, undecoded: a spooled or quarantined delivery) holds one
 * order, by its `innerId`, in each form a delivery takes: a JSON document (`"innerId":"3001"` or
 * `"innerId":3001`), an XML document (`<innerId><![CDATA[3001]]></innerId>` as ShopRenter's XML writes
 * text, or `<innerId>3001</innerId>`), either inside a multipart `data` field as written or URL-encoded
 * in a form post's `data=` field. Another order whose number begins or ends with it is not matched.
 * A newsletter subscriber likewise, by its `id`.
 */

/** The texts a raw body is searched in: as received, and with its URL-encoded runs (`%7B%22…`, `+`) decoded. */
export function rawBodyTexts(body: Buffer): string[] {
  const text = body.toString('utf8');
  if (!/%[0-9a-f]{2}/i.test(text)) return [text];
  const decoded = text.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run; // not UTF-8: left as it is
    }
  });
  return [text, decoded];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function rawBodyHasOrder(body: Buffer, innerId: string): boolean {
  return rawBodyHasField(body, 'innerId', innerId);
}

/**
 * Whether a raw newsletter delivery body holds one subscriber, by its `id` (`"id":"41"`, `<id>41</id>`,
 * as for an order's innerId). A newsletter item's only `id` is the subscriber's; an order's body has
 * others (its products'): check the delivery's event first.
 */
export function rawBodyHasSubscriber(body: Buffer, id: string): boolean {
  return rawBodyHasField(body, 'id', id);
}

/** Whether the body holds `field` with this value, in JSON or XML, as written or URL-encoded. */
function rawBodyHasField(body: Buffer, field: string, value: string): boolean {
  const id = escapeRegExp(value);
  const json = new RegExp(`"${field}"\\s*:\\s*(?:${escapeRegExp(JSON.stringify(value))}|${id}(?![\\w.]))`);
  const xml = new RegExp(`<${field}>\\s*(?:<!\\[CDATA\\[${id}\\]\\]>|${id})\\s*</${field}>`);
  return rawBodyTexts(body).some((text) => json.test(text) || xml.test(text));
}
