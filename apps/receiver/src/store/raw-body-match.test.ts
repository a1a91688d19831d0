/** Raw bodies of quarantined and spooled deliveries searched for an e-mail address or an order (erasure). */
import { describe, expect, it } from 'vitest';
import { rawBodyHasEmail } from './erase-plan.js';
import { rawBodyHasOrder } from './raw-body-order.js';

/** A form post as PHP's http_build_query writes it: every character but letters, digits and -_. encoded. */
function phpFormPost(document: string): Buffer {
  const encoded = [...Buffer.from(document)]
    .map((byte) =>
      /[A-Za-z0-9\-_.]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
  return Buffer.from(`data=${encoded}`);
}

describe('raw body matching', () => {
  it('finds an address in a form post whatever the encoder encoded (an apostrophe, a tilde, a JSON-escaped slash)', () => {
    for (const email of [
      "o'brien@example.hu",
      'eva~shop@example.hu',
      'a/b@example.hu',
      'eva+shop@example.hu',
    ]) {
      const body = phpFormPost(JSON.stringify({ orders: { order: [{ email }] } }).replaceAll('/', '\\/'));
      expect(rawBodyHasEmail(body, email)).toBe(true);
    }
    expect(rawBodyHasEmail(phpFormPost('{"email":"other@example.hu"}'), "o'brien@example.hu")).toBe(false);
  });

  it('finds an order by innerId in JSON, XML and form posts, not one whose number only begins or ends with it', () => {
    expect(rawBodyHasOrder(Buffer.from('{"innerId":"3001"}'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('{"innerId": 3001,'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('<innerId><![CDATA[3001]]></innerId>'), '3001')).toBe(true);
    expect(rawBodyHasOrder(phpFormPost('<innerId>3001</innerId>'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('{"innerId":"30011"}'), '3001')).toBe(false);
    expect(rawBodyHasOrder(Buffer.from('<innerId>13001</innerId>'), '3001')).toBe(false);
  });
});
