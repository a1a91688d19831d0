import { describe, expect, it } from 'vitest';
import { createLineRedactor, maskHookToken } from './redact-log-line.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg';

describe('maskHookToken', () => {
  it('masks the token segment of a delivery path and keeps shop and event', () => {
    expect(maskHookToken(`/hooks/demo/order_confirm/${TOKEN}`)).toBe('/hooks/demo/order_confirm/[token]');
    expect(maskHookToken(`/hooks/demo/order_confirm/${TOKEN}?x=1`)).toBe(
      '/hooks/demo/order_confirm/[token]?x=1',
    );
    expect(maskHookToken('/readyz')).toBe('/readyz');
  });
});

describe('createLineRedactor', () => {
  const redact = createLineRedactor(['configured-secret-1234', 'short']);

  it.each([
    [
      'an e-mail address',
      '{"msg":"mail to test.peter@example.com failed"}',
      'test.peter@example.com',
      '[email]',
    ],
    ['an international phone number', '{"msg":"tel +36304573549"}', '+36304573549', '[phone]'],
    ['a spaced phone number', '{"msg":"call +36 30 457 3549 now"}', '+36 30 457 3549', '[phone]'],
    ['a national phone number', '{"msg":"call 06-30-457-3549"}', '06-30-457-3549', '[phone]'],
    ['a URL token', `{"url":"/hooks/demo/order_confirm/${TOKEN}"}`, TOKEN, '[token]'],
    ['a query token', `{"url":"/callback?access_token=${TOKEN}&a=1"}`, TOKEN, 'access_token=[redacted]&a=1'],
    ['a bearer token', '{"msg":"Authorization: Bearer abc.def-ghi"}', 'abc.def-ghi', 'Bearer [redacted]'],
    [
      'a configured secret',
      '{"msg":"secret is configured-secret-1234"}',
      'configured-secret-1234',
      '[secret]',
    ],
    [
      'a whsec secret',
      '{"msg":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}',
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_[redacted]',
    ],
    ['a JWT', '{"msg":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}', 'eyJhbGciOiJIUzI1NiJ9', '[jwt]'],
    [
      'a token-named JSON key',
      '{"accessToken":"plain-value-here"}',
      'plain-value-here',
      '"accessToken":"[redacted]"',
    ],
  ])('masks %s', (_name, line, secret, replacement) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(replacement);
  });

  it('leaves ids, timestamps, amounts and short literals alone', () => {
    const line =
      '{"deliveryId":"dlv_01JABCDEF0123456789","receivedAt":"2025-12-01 20:57:40","total":"11206","responseTime":1.52,"msg":"short"}';
    expect(redact(line)).toBe(line);
  });
});
