import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { signAppRequest, signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, NetworkError } from '../errors.js';
import { checkAppSession } from './check-app-session.js';
import {
  handleAppRequest,
  handleNodePaymentNotification,
  handlePaymentNotification,
  type PaymentNotificationHandlerOptions,
} from './handle-app-request.js';
import { verifyAppRequest } from './verify-app-request.js';
import { type PaymentNotificationResult, verifyPaymentNotification } from './verify-payment-notification.js';

// The app helpers' options as an app developer passes them, `process.env.X` and `Number(process.env.Y)`
// included: a secret that is missing or of the wrong type is a typed InputError on the first call
// (never a TypeError, never the value in the message), a tolerance or size limit that is not a
// number is refused instead of switching the check off, and a body that stops half-way is answered.

const clientSecret = 'app-client-secret-for-options-tests';
const secretKey = 'webhook-secret-key-for-options-tests';
const longAgo = 1_000_000_000; // 2001-09-09: a signature from then must never be fresh

function appQuery(timestamp: number): string {
  const params = { shopname: 'demo', code: 'abc123', timestamp: String(timestamp) };
  return new URLSearchParams({ ...params, hmac: signAppRequest(params, clientSecret) }).toString();
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a misspelt option is refused, not ignored (a replayguard would leave replays unchecked)', () => {
  it.each([
    [
      'verifyAppRequest({replayguard})',
      () => verifyAppRequest(appQuery(longAgo), clientSecret, { replayguard: {} } as never),
      /^options\.replayguard is not an option of verifyAppRequest\(\); did you mean "replayGuard"\? \(the options: now, toleranceSeconds, acceptAlphabeticalOrder, replayGuard, clientSecret\)\. Left in, it would be ignored and its default used \(a misspelt replayGuard: no replay check\)\.$/,
    ],
    [
      'handleAppRequest({toleranceSecond})',
      () =>
        handleAppRequest(new Request(`https://app.example.com/install?${appQuery(longAgo)}`), {
          clientSecret,
          toleranceSecond: 30,
        } as never),
      /options\.toleranceSecond is not an option of verifyAppRequest\(\); did you mean "toleranceSeconds"\?/,
    ],
    [
      'verifyPaymentNotification({replayGaurd})',
      () => verifyPaymentNotification('{}', 'hmac=00', secretKey, { replayGaurd: {} } as never),
      /options\.replayGaurd is not an option of verifyPaymentNotification\(\); did you mean "replayGuard"\?/,
    ],
  ])('%s', (_name, call, message) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'unknown_key' });
    expect((error as InputError).message).toMatch(message);
  });
});

describe('a tolerance that is not a number never accepts an old signature', () => {
  it.each([
    ['NaN', Number.NaN],
    ['a string', '300'],
    ['-1', -1],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('verifyAppRequest with toleranceSeconds %s: InputError', (_n, toleranceSeconds) => {
    const error = thrown(() =>
      verifyAppRequest(appQuery(longAgo), clientSecret, { toleranceSeconds: toleranceSeconds as number }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('options.toleranceSeconds');
    expect((error as InputError).message).toMatch(
      /options\.toleranceSeconds must be a number of seconds ≥ 0/,
    );
  });

  it('verifyPaymentNotification with toleranceSeconds NaN: InputError', () => {
    const body = JSON.stringify({ id: 7, status: 'paid', time: longAgo });
    const error = thrown(() =>
      verifyPaymentNotification(body, `hmac=${signPaymentNotification(body, secretKey)}`, secretKey, {
        toleranceSeconds: Number.NaN,
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('options.toleranceSeconds');
  });

  it('a good tolerance still refuses the old request as stale, and 0 is allowed', () => {
    const result = verifyAppRequest(appQuery(longAgo), clientSecret, { toleranceSeconds: 0 });
    expect(!result.ok && result.error.code).toBe('stale');
  });
});

describe('a missing or mistyped app secret is an InputError, whatever the request', () => {
  const cases: [string, unknown, string, RegExp][] = [
    [
      'undefined (an unset variable)',
      undefined,
      'missing_secret',
      /is undefined\): is the environment variable/,
    ],
    ['empty', '', 'missing_secret', /is empty\)/],
    ['a Buffer', Buffer.from(clientSecret), 'invalid_input', /is a Buffer, not a string.*toString\(\)/],
    ['a number', 1234567890123456, 'invalid_input', /is a number, not a string/],
  ];

  it.each(cases)('verifyAppRequest with clientSecret %s', (_n, secret, code, message) => {
    // A malformed request too: the misconfiguration shows on the first call, not on the first good one.
    for (const query of [appQuery(Math.floor(Date.now() / 1000)), 'shopname=demo']) {
      const error = thrown(() => verifyAppRequest(query, secret as string));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe(code);
      expect((error as InputError).field).toBe('clientSecret');
      expect((error as InputError).message).toMatch(/ClientSecret/);
      expect((error as InputError).message).toMatch(message);
      expect((error as InputError).message).not.toContain(clientSecret);
      expect((error as InputError).message).not.toContain('1234567890');
    }
  });

  it.each(cases)('verifyPaymentNotification with secretKey %s', (_n, secret, code, message) => {
    const error = thrown(() => verifyPaymentNotification('{}', 'hmac=00', secret as string));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(code);
    expect((error as InputError).field).toBe('secretKey');
    expect((error as InputError).message).toMatch(/WebhookSecretKey/);
    expect((error as InputError).message).toMatch(message);
  });

  it('handleAppRequest rejects the same way for a request without parameters', () => {
    const error = thrown(() =>
      handleAppRequest(new Request('https://app.example.com/install'), {
        clientSecret: undefined as unknown as string,
      }),
    );
    expect((error as InputError).code).toBe('missing_secret');
  });
});

describe('payment notification handlers', () => {
  it.each([
    ['NaN', Number.NaN],
    ['a string', '65536'],
    ['0', 0],
  ])('maxBytes %s is an InputError naming options.maxBytes', async (_n, maxBytes) => {
    const error = await handlePaymentNotification(
      new Request('https://app.example.com/payments?hmac=00', { method: 'POST', body: '{}' }),
      { secretKey, maxBytes: maxBytes as number },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('options.maxBytes');
  });

  it('a Request whose body the app already read: 500 saying what to do', async () => {
    const request = new Request('https://app.example.com/payments?hmac=00', { method: 'POST', body: '{}' });
    await request.text();
    const result = await handlePaymentNotification(request, { secretKey });
    expect(!result.ok && result.error.status).toBe(500);
    expect(!result.ok && result.error.message).toMatch(/already read.*or pass request\.clone\(\)/);
  });

  describe('a body that stops half-way (over real HTTP)', () => {
    let server: Server;
    let port: number;
    const options: PaymentNotificationHandlerOptions = { secretKey };
    let outcome: Promise<PaymentNotificationResult | { rejected: unknown }> | undefined;

    beforeAll(async () => {
      server = createServer((req, res) => {
        outcome = handleNodePaymentNotification(req, options).then(
          (result) => {
            if (!res.destroyed) res.writeHead(result.ok ? 200 : result.error.status).end();
            return result;
          },
          (rejected: unknown) => {
            res.destroy();
            return { rejected };
          },
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is answered invalid_notification (400), not a rejection', async () => {
      const body = JSON.stringify({ id: 7, status: 'paid', time: Math.floor(Date.now() / 1000) });
      const hmac = signPaymentNotification(body, secretKey);
      const arrived = new Promise<void>((resolve) => server.once('request', () => resolve()));
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /payments?hmac=${hmac} HTTP/1.1\r\nHost: app.example.com\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
          () => arrived.then(() => socket.destroy()),
        );
      });
      socket.on('error', () => {});
      await arrived;
      const result = await (outcome as NonNullable<typeof outcome>);
      expect('rejected' in result ? String(result.rejected) : 'answered').toBe('answered');
      const refused = result as PaymentNotificationResult;
      expect(!refused.ok && refused.error.code).toBe('invalid_notification');
      expect(!refused.ok && refused.error.status).toBe(400);
      expect(!refused.ok && refused.error.message).toMatch(/could not be read to its end/);
    });
  });
});

describe('a query that is not a query', () => {
  it.each([
    ['undefined', undefined, /got undefined$/],
    ['null', null, /got null$/],
    ['a number', 5, /got a number$/],
  ])('verifyAppRequest with query %s: InputError naming query', (_n, query, message) => {
    const error = thrown(() => verifyAppRequest(query as unknown as string, clientSecret));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('query');
    expect((error as InputError).message).toMatch(
      /query must be the request's query: a string, a URLSearchParams or a parsed object/,
    );
    expect((error as InputError).message).toMatch(message);
  });

  it('a nested parsed value (Express 4 qs: ?shopname[a]=b) is refused as missing, never a TypeError', () => {
    const signed = Object.fromEntries(new URLSearchParams(appQuery(Math.floor(Date.now() / 1000))));
    const result = verifyAppRequest(
      { ...signed, shopname: { a: 'b' } } as unknown as Record<string, string>,
      clientSecret,
    );
    expect(!result.ok && result.error.code).toBe('missing_parameter');
    const inList = verifyAppRequest(
      { ...signed, code: [{ x: 1 }, 'abc123'] } as unknown as Record<string, string>,
      clientSecret,
    );
    expect(inList.ok).toBe(true);
  });
});

describe('checkAppSession with options that cannot work', () => {
  it.each([
    ['not a URL', 'not a url', /got "not a url"$/],
    ['undefined', undefined, /got undefined$/],
    ['an ftp URL', 'ftp://hooks.example.com/app/entry/session', /got "ftp:/],
  ])('sessionUrl %s: InputError invalid_url', async (_n, sessionUrl, message) => {
    const error = await checkAppSession(sessionUrl as string, 'shop=demo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('invalid_url');
    expect((error as InputError).field).toBe('sessionUrl');
    expect((error as InputError).message).toMatch(message);
  });

  it('timeoutMs NaN: InputError, not an instant "timed out"', async () => {
    const error = await checkAppSession('https://hooks.example.com/app/entry/session', 'shop=demo', {
      timeoutMs: Number.NaN,
    }).catch((e: unknown) => e);
    expect((error as InputError).field).toBe('options.timeoutMs');
  });

  it('a receiver that is not there: the NetworkError says why (over real TCP)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await checkAppSession(`http://127.0.0.1:${port}/app/entry/session`, 'shop=demo').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/failed \(.*refused.*\): check that the receiver runs/);
  });
});
