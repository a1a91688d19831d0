import { signPaymentNotification } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { createMemoryReplayGuard } from './replay-guard.js';
import { paymentNotificationQuery, verifyPaymentNotification } from './verify-payment-notification.js';

// The Payment API documentation's worked example (paymentapi/docs/l_notifications.md, FACTS.md §8).
const docKey = 'ppmunf3z66qx6c9cpo0klmyq';
const docBody = '{"id":69,"status":"pending","time":1606740386}';
const docHmac = '317a52549acd37817dfdf2d8989c9386b3d448faa6bc2ff597c71eaa37c76ee3';
const docNow = () => 1606740386 * 1000 + 2000;

describe('verifyPaymentNotification (FACTS.md §8)', () => {
  it("accepts the documentation's worked example", () => {
    const result = verifyPaymentNotification(docBody, `?hmac=${docHmac}`, docKey, { now: docNow });
    expect(result).toMatchObject({
      ok: true,
      event: 'payment_status',
      notification: { id: 69, status: 'pending', time: 1606740386 },
      dedupeKey: 'payment:69:pending:1606740386',
    });
  });

  it('accepts the body as bytes, uppercase hex and extra query parameters', () => {
    const result = verifyPaymentNotification(
      Buffer.from(docBody),
      { hmac: docHmac.toUpperCase(), shop: 'demo' },
      docKey,
      { now: docNow },
    );
    expect(result.ok && result.unsigned).toEqual({ shop: 'demo' });
  });

  it.each([
    ['gzip', false],
    [' GZIP ', false],
    ['identity', true],
    ['', true],
    [undefined, true],
  ])('with contentEncoding %j reads the body: %s', (contentEncoding, read) => {
    // before: any coding was ignored (a gzip body read as "not JSON")
    const result = verifyPaymentNotification(docBody, `?hmac=${docHmac}`, docKey, {
      now: docNow,
      contentEncoding,
    });
    expect(result.ok).toBe(read);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_notification');
      expect(result.error.authentic).toBe(true);
      expect(result.error.message).toMatch(/Content-Encoding "gzip"; notifications are read as sent/i);
    }
  });

  it.each([
    ['a query string', `https://app.example.com/payments?shop=demo?hmac=${docHmac}`],
    ['a parsed query', { shop: `demo?hmac=${docHmac}` }],
    ['URLSearchParams', new URLSearchParams(`shop=demo&x=1?hmac=${docHmac}`)],
  ])(
    'reads an hmac appended with a second ? to a notificationUrl with a query (A54): %s',
    (_label, query) => {
      // before: missing_parameter (the hmac read as part of the value before it)
      const result = verifyPaymentNotification(docBody, query, docKey, { now: docNow });
      expect(result.ok, JSON.stringify(!result.ok && result.error.message)).toBe(true);
      expect(result.ok && result.unsigned.shop).toBe('demo');
    },
  );

  it('splits no value when the hmac parameter is there', () => {
    const values = paymentNotificationQuery(`?hmac=${docHmac}&note=a?hmac=b`);
    expect(Object.fromEntries(values)).toEqual({ hmac: [docHmac], note: ['a?hmac=b'] });
  });

  it('reads a card change', () => {
    const body = JSON.stringify({
      changeId: 42,
      subscriptionId: 12,
      status: 'declined',
      paymentStatus: 'active',
      message: 'The Customer canceled this payment.',
      time: 1651662894,
    });
    const result = verifyPaymentNotification(body, { hmac: signPaymentNotification(body, docKey) }, docKey, {
      now: () => 1651662894 * 1000,
    });
    expect(result.ok && result.event).toBe('payment_card_change');
    expect(result.ok && result.dedupeKey).toBe('card-change:42:declined:1651662894');
  });

  it.each([
    ['a changed body', docBody.replace('pending', 'paid'), docHmac, docKey],
    ['re-serialised JSON (spaces)', '{"id": 69, "status": "pending", "time": 1606740386}', docHmac, docKey],
    ['another key', docBody, docHmac, 'another-webhook-secret'],
    ['a changed hmac', docBody, `${docHmac.slice(0, 63)}4`, docKey],
  ])('refuses %s as not authentic', (_label, body, hmac, key) => {
    const result = verifyPaymentNotification(body, { hmac }, key, { now: docNow });
    expect(!result.ok && result.error.code).toBe('bad_signature');
    // what to check: the key, and a body rewritten on the way
    expect(!result.ok && result.error.message).toMatch(
      /check that this server has the key ShopRenter issued for the app .* rewrites the body/,
    );
    expect(!result.ok && result.error.status).toBe(401);
    expect(!result.ok && result.error.authentic).toBe(false);
  });

  it('refuses an authentic body with a key given twice (PHP cannot write one), naming it, instead of reading the last', () => {
    const body = '{"id":69,"status":"declined","time":1606740386,"status":"active"}';
    const result = verifyPaymentNotification(body, { hmac: signPaymentNotification(body, docKey) }, docKey, {
      now: docNow,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      code: 'invalid_notification',
      status: 400,
      authentic: true,
      message: expect.stringMatching(
        /^authentic notification that cannot be read: The JSON has the key "status" twice in one object \(at status\)/,
      ),
    });
  });

  it.each([
    [{}, 'missing_parameter'],
    [{ hmac: '' }, 'missing_parameter'],
    [{ hmac: 'abc' }, 'malformed_parameter'],
    [`?hmac=${docHmac}&hmac=${docHmac}`, 'malformed_parameter'],
  ])('refuses query %j', (query, code) => {
    const result = verifyPaymentNotification(docBody, query, docKey, { now: docNow });
    expect(!result.ok && result.error.code).toBe(code);
  });

  it('refuses a stale time (and one from the future) beyond the tolerance', () => {
    const at = (seconds: number) => () => (1606740386 + seconds) * 1000;
    expect(verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: at(300) }).ok).toBe(true);
    for (const skew of [301, -301]) {
      const result = verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: at(skew) });
      expect(!result.ok && result.error.code).toBe('stale');
      expect(!result.ok && result.error.message).toMatch(
        /\(tolerance 300 s\): check this server's clock \(NTP\)/,
      );
    }
  });

  it('refuses a replay when given a replay guard', () => {
    const replayGuard = createMemoryReplayGuard({ ttlSeconds: 600 });
    expect(
      verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: docNow, replayGuard }).ok,
    ).toBe(true);
    const again = verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: docNow, replayGuard });
    expect(!again.ok && again.error.code).toBe('replayed');
  });

  it('takes the same notification again once the app forgot it (its handling failed, the sender resends)', () => {
    const replayGuard = createMemoryReplayGuard({ ttlSeconds: 600 });
    const first = verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: docNow, replayGuard });
    if (!first.ok) throw first.error;
    expect(first.replayKey).toBe(`payment:${docHmac.toLowerCase()}`);
    // The app's handling failed: it answers 5xx and forgets the key, so a resend is not refused.
    replayGuard.forget?.(first.replayKey);
    const resent = verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, {
      now: docNow,
      replayGuard,
    });
    expect(resent.ok).toBe(true);
    // Handled this time: a third copy is a replay.
    const third = verifyPaymentNotification(docBody, { hmac: docHmac }, docKey, { now: docNow, replayGuard });
    expect(!third.ok && third.error.code).toBe('replayed');
  });

  it.each([['not json'], ['{"id":1,"time":1606740386}'], ['[1,2]']])(
    'marks authentic but unreadable body %j for quarantine',
    (body) => {
      const result = verifyPaymentNotification(
        body,
        { hmac: signPaymentNotification(body, docKey) },
        docKey,
        {
          now: docNow,
        },
      );
      expect(!result.ok && result.error.code).toBe('invalid_notification');
      expect(!result.ok && result.error.authentic).toBe(true);
    },
  );
});
