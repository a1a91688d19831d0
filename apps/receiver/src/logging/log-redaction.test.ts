/**
 * The receiver's real log output (captured from its pino destination) while it handles a
 * genuine delivery, a forged one, a request with an Authorization header, a quarantined one and
 * a careless log call: no e-mail address, phone number, token or secret may appear.
 */
import { deliveryToken, encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliveryBody, deliveryRequest } from '../test-support/delivery-fixtures.js';
import { sendRaw } from '../test-support/raw-http.js';
import {
  OLD_SECRET,
  startTestReceiver,
  TEST_SECRET,
  type TestReceiver,
} from '../test-support/test-receiver.js';

const ADMIN_TOKEN = 'admin-token-for-log-test-0001';
const CLIENT_SECRET = 'shop-client-secret-for-log-test';
/** A legacy API user's password (a shop with Basic-auth credentials). */
const API_PASSWORD = 'legacy-api-password-for-log-test';
const FORWARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('log redaction', () => {
  let receiver: TestReceiver;
  let lines: Record<string, unknown>[];
  const goodToken = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
  const forgedToken = deliveryToken({ shop: 'demo', event: 'order_confirm' }, 'attacker-secret-0123456789');

  beforeAll(async () => {
    receiver = await startTestReceiver({
      logLevel: 'debug',
      adminToken: ADMIN_TOKEN,
      handlers: { erp: { type: 'forward', url: 'https://erp.example.com/hook', secret: FORWARD_SECRET } },
      shops: [
        { name: 'demo', clientId: 'client-id', clientSecret: CLIENT_SECRET, handlers: ['erp'] },
        { name: 'legacy', username: 'api-user', password: API_PASSWORD },
      ],
    });
    // 1. genuine delivery (the body holds an e-mail address and a phone number)
    expect((await sendRaw(receiver.port, deliveryRequest('order_confirm', goodToken))).statusCode).toBe(200);
    // 2. forged token
    expect((await sendRaw(receiver.port, deliveryRequest('order_confirm', forgedToken))).statusCode).toBe(
      404,
    );
    // 3. credentials in headers and a token-bearing query string
    const { contentType, body } = deliveryBody('order_confirm');
    const withAuth = await fetch(
      `${receiver.baseUrl}${receiver.path('demo', 'order_confirm')}?token=${goodToken}`,
      {
        method: 'POST',
        body: new Uint8Array(body),
        headers: {
          'content-type': contentType,
          authorization: 'Bearer secret-bearer-value-123',
          cookie: 'sid=cookie-value-456',
        },
      },
    );
    expect(withAuth.status).toBe(200);
    // 4. quarantined: the offending value is an e-mail address
    const bad = {
      ...sampleOrder('log'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: 'test.peter@example.com' }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [bad] } } as never, {
      format: 'json',
    });
    const quarantined = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm', OLD_SECRET), {
      method: 'POST',
      body: new Uint8Array(encoded.body),
      headers: { 'content-type': encoded.contentType },
    });
    expect(quarantined.status).toBe(400);
    // 5. searches for a customer, percent-encoded as browsers and clients send them
    for (const search of [
      '/admin/api/events?q=kovacs.eva%40gmail.com',
      '/admin/api/deliveries?q=Kov%C3%A1cs+%C3%89va&shop=demo',
      '/admin/api/events?q=%2B36301234567',
      '/admin/api/events?q=30/123-4567',
      '/admin/api/deliveries?q=30%2F123-4567&shop=demo',
      '/admin/api/events?q=06-30-123-4567+kov%C3%A1cs',
      '/admin/api/events?q=36301234567',
    ]) {
      const response = await fetch(receiver.baseUrl + search, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(200);
    }
    receiver.app.log.warn({ note: 'lookup kovacs.eva%40gmail.com / %2B36+30+123+4567' }, 'careless');
    // 6. a careless log call somewhere in the app
    receiver.app.log.info(
      {
        customer: { email: 'vevo@example.hu', phone: '+36 30 123 4567' },
        note: `url /hooks/demo/order_confirm/${goodToken}`,
      },
      `mail to vevo@example.hu, call 06-30-123-4567, secret ${TEST_SECRET}, admin ${ADMIN_TOKEN}, client ${CLIENT_SECRET}, api ${API_PASSWORD}`,
    );
    await receiver.close();
    lines = receiver.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  });

  it('writes JSON lines', () => {
    expect(lines.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['the e-mail address from the delivery', 'test.peter@example.com'],
    ['the phone number from the delivery', '+36304573549'],
    ['an e-mail address logged by mistake', 'vevo@example.hu'],
    ['a phone number logged by mistake', '30 123 4567'],
    ['a national phone number logged by mistake', '06-30-123-4567'],
    ['the URL token', goodToken],
    ['the forged URL token', forgedToken],
    ['the delivery secret', TEST_SECRET],
    ['the admin token', ADMIN_TOKEN],
    ['the shop client secret', CLIENT_SECRET],
    ['the legacy API password', API_PASSWORD],
    ['the forward secret', FORWARD_SECRET.slice('whsec_'.length)],
    ['the bearer token', 'secret-bearer-value-123'],
    ['the cookie', 'cookie-value-456'],
    ['a searched e-mail address, percent-encoded', 'kovacs.eva'],
    ['a searched name, percent-encoded', 'Kov%C3%A1cs'],
    ['a searched name, decoded', 'Kovács'],
    ['a searched phone number, percent-encoded', '36301234567'],
    ['a searched national phone number', '123-4567'],
    ['a searched national phone number, percent-encoded', '30%2F123'],
    ['a searched phone number, digits only', '301234567'],
    ['a phone number logged percent-encoded by mistake', '%2B36+30'],
  ])('never contains %s', (_name, value) => {
    const offending = receiver.logLines.filter((line) => line.includes(value));
    expect(offending).toEqual([]);
  });

  it('logs the stored delivery once, with the token masked and the outcome', () => {
    const stored = lines.filter((line) => line.outcome === 'stored');
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      msg: 'request completed',
      level: 30,
      shop: 'demo',
      event: 'order_confirm',
      events: 1,
      duplicates: 0,
      deliveryId: expect.any(String),
      req: {
        method: 'POST',
        url: '/hooks/demo/order_confirm/[token]',
        remoteAddress: '127.0.0.1',
        userAgent: 'ShopRenter',
      },
      res: { statusCode: 200 },
    });
  });

  it('logs the forged attempt with the remote address and the reason', () => {
    const forged = lines.find((line) => line.msg === 'forged delivery attempt refused');
    expect(forged).toMatchObject({ level: 40, forged: { reason: 'bad_token', remoteAddress: '127.0.0.1' } });
  });

  it('logs the quarantine with the decode error code and path, not the value', () => {
    const quarantined = lines.find((line) => line.outcome === 'quarantined');
    expect(quarantined).toMatchObject({
      decodeError: {
        code: 'invalid_field',
        part: 'field',
        path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
      },
      res: { statusCode: 400 },
    });
  });

  it('logs searches with the filters but never the search value', () => {
    const searches = lines
      .map((line) => (line.req as { url?: string } | undefined)?.url ?? '')
      .filter((url) => url.startsWith('/admin/api/'));
    expect(searches).toEqual([
      '/admin/api/events?q=[redacted]',
      '/admin/api/deliveries?q=[redacted]&shop=demo',
      '/admin/api/events?q=[redacted]',
      '/admin/api/events?q=[redacted]',
      '/admin/api/deliveries?q=[redacted]&shop=demo',
      '/admin/api/events?q=[redacted]',
      '/admin/api/events?q=[redacted]',
    ]);
  });

  it('masks what the careless log call carried', () => {
    const careless = lines.find((line) => line.customer !== undefined);
    expect(careless).toMatchObject({
      customer: { email: '[redacted]', phone: '[redacted]' },
      note: 'url /hooks/demo/order_confirm/[token]',
    });
    expect(careless?.msg).toBe(
      'mail to [email], call [phone], secret [secret], admin [secret], client [secret], api [secret]',
    );
  });
});
