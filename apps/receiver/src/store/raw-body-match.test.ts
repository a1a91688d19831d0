/** Raw bodies of quarantined and spooled deliveries searched for an e-mail address or an order (erasure). */
import { describe, expect, it } from 'vitest';
import { rawBodyHasEmail } from './email-match.js';
import { rawBodyHasOrder, rawBodyHasSubscriber } from './raw-body-order.js';

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

  it('finds an address in XML outside CDATA (entities) and in JSON whose non-ASCII characters are escaped (PHP)', () => {
    const xml = (text: string) => Buffer.from(`<orders><order><email>${text}</email></order></orders>`);
    expect(rawBodyHasEmail(xml('o&apos;brien&amp;co@example.hu'), "o'brien&co@example.hu")).toBe(true);
    expect(rawBodyHasEmail(xml('o&#39;brien@example.hu'), "o'brien@example.hu")).toBe(true);
    expect(rawBodyHasEmail(xml("<![CDATA[o'brien&co@example.hu]]>"), "o'brien&co@example.hu")).toBe(true);
    // PHP's json_encode without JSON_UNESCAPED_UNICODE: {"email":"kov\u00e1cs.\u00e9va@example.hu"}
    const php = Buffer.from('{"orders":{"order":[{"email":"Kov\\u00e1cs.\\u00e9va@example.hu"}]}}');
    expect(rawBodyHasEmail(php, 'kovács.éva@example.hu')).toBe(true);
    expect(rawBodyHasEmail(phpFormPost(php.toString()), 'kovács.éva@example.hu')).toBe(true);
    expect(rawBodyHasEmail(php, 'kovacs.eva@example.hu')).toBe(false);
  });

  it('finds an address written composed (NFC) or decomposed (NFD) in either form of the body, escaped capitals included', () => {
    const nfc = 'Kovács.Éva@Example.HU'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    const escaped = (text: string) =>
      text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const written of [nfc, nfd]) {
      const bodies = [
        Buffer.from(`{"email":"${written}"}`),
        Buffer.from(`<email><![CDATA[${written}]]></email>`),
        Buffer.from(`{"email":"${escaped(written)}"}`), // \u00c9 (É), or E\u0301
        phpFormPost(`{"email":"${written}"}`),
        phpFormPost(`{"email":"${escaped(written)}"}`),
      ];
      for (const asked of [nfc, nfd, nfc.toLowerCase(), nfd.toUpperCase()]) {
        for (const body of bodies) expect(rawBodyHasEmail(body, asked)).toBe(true);
      }
      for (const body of bodies) expect(rawBodyHasEmail(body, 'kovacs.eva@example.hu')).toBe(false);
    }
  });

  it('finds an order by innerId in JSON, XML and form posts, not one whose number only begins or ends with it', () => {
    expect(rawBodyHasOrder(Buffer.from('{"innerId":"3001"}'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('{"innerId": 3001,'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('<innerId><![CDATA[3001]]></innerId>'), '3001')).toBe(true);
    expect(rawBodyHasOrder(phpFormPost('<innerId>3001</innerId>'), '3001')).toBe(true);
    expect(rawBodyHasOrder(Buffer.from('{"innerId":"30011"}'), '3001')).toBe(false);
    expect(rawBodyHasOrder(Buffer.from('<innerId>13001</innerId>'), '3001')).toBe(false);
  });

  it('finds a newsletter subscriber by its id in JSON, XML and form posts, not one whose id only begins or ends with it', () => {
    expect(rawBodyHasSubscriber(Buffer.from('{"newsletter":{"subscriber":[{"id":"77"}]}}'), '77')).toBe(true);
    expect(rawBodyHasSubscriber(Buffer.from('{"id": 77,'), '77')).toBe(true);
    expect(rawBodyHasSubscriber(Buffer.from('<id><![CDATA[77]]></id>'), '77')).toBe(true);
    expect(rawBodyHasSubscriber(phpFormPost('{"subscriber":[{"id":"77"}]}'), '77')).toBe(true);
    expect(rawBodyHasSubscriber(Buffer.from('{"id":"778"}'), '77')).toBe(false);
    expect(rawBodyHasSubscriber(Buffer.from('<id>177</id>'), '77')).toBe(false);
    expect(rawBodyHasSubscriber(Buffer.from('{"innerId":"77"}'), '77')).toBe(false);
  });
});
