import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { encodeDelivery, samplePayload, signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { handleDelivery } from './handle-delivery.js';
import { handleNodeDelivery } from './handle-node-delivery.js';
import type { DeliveryOptions, DeliveryResult } from './verify-delivery.js';

// What an app developer can get wrong in the options, and what a sender can do to the body, as the
// README's handlers meet them: a secret of the wrong type (never quoted back), a maxBytes that is not a
// number (never a limit switched off), a body that stops half-way (answered, never a rejection that
// takes down an Express 4 app).

const secret = 'receiver-secret-for-options-tests-01';
const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
const encoded = encodeDelivery('order_confirm', samplePayload('order_confirm', 3), { format: 'json' });

function deliveryRequest(body: string | Buffer = encoded.body, contentType = encoded.contentType): Request {
  return new Request(`https://hooks.example.com${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('a misspelt option is refused, not ignored', () => {
  it('handleDelivery({secrets, maxbytes}) and handleNodeDelivery({secret}) name the option meant', async () => {
    const error = await rejection(
      handleDelivery(deliveryRequest(), { secrets: [secret], maxbytes: 10 } as never),
    );
    expect(error).toMatchObject({
      code: 'unknown_key',
      field: 'options.maxbytes',
      message: expect.stringMatching(
        /^options\.maxbytes is not an option of handleDelivery\(\); did you mean "maxBytes"\? \(the options: secrets, maxBytes\)/,
      ),
    });
    const node = await rejection(handleNodeDelivery({} as never, { secret } as never));
    expect(node).toMatchObject({
      code: 'unknown_key',
      message: expect.stringMatching(/did you mean "secrets"\?/),
    });
  });
});

describe('secrets of the wrong type', () => {
  const wrong: [string, unknown, string, RegExp][] = [
    [
      'a Buffer',
      Buffer.from(secret),
      'secrets',
      /options\.secrets must be a string or a list of strings.*got a Buffer.*toString\(\)/,
    ],
    ['a Set', new Set([secret]), 'secrets', /got a Set/],
    ['a number', 1234567890123456, 'secrets', /got a number/],
    [
      '[a Buffer]',
      [Buffer.from(secret)],
      'secrets[0]',
      /options\.secrets\[0\] is a Buffer, not a string.*toString\(\)/,
    ],
    ['[a number]', [1234567890123456], 'secrets[0]', /options\.secrets\[0\] is a number, not a string/],
    ['[an object]', [{ value: secret }], 'secrets[0]', /options\.secrets\[0\] is an object, not a string/],
    ['[good, a Buffer]', [secret, Buffer.from(secret)], 'secrets[1]', /secrets\[1\] is a Buffer/],
  ];

  it.each(wrong)(
    '%s: InputError invalid_input naming the kind, never the value',
    async (_n, secrets, field, message) => {
      const error = await rejection(
        handleDelivery(deliveryRequest(), { secrets: secrets as DeliveryOptions['secrets'] }),
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe('invalid_input');
      expect((error as InputError).field).toBe(field);
      expect((error as InputError).message).toMatch(message);
      expect((error as InputError).message).not.toContain(secret);
      expect((error as InputError).message).not.toContain('12345678901234');
      expect((error as InputError).message).not.toContain('[object Object]');
      expect((error as InputError).value).toBeUndefined();
    },
  );
});

describe('maxBytes that is not a whole number of bytes', () => {
  const wrong: [string, unknown][] = [
    ['NaN (Number() of an unset variable)', Number.NaN],
    ['a string', '100000'],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
  ];

  it.each(wrong)('%s is an InputError naming options.maxBytes', async (_n, maxBytes) => {
    const error = await rejection(
      handleDelivery(deliveryRequest(), { secrets: [secret], maxBytes: maxBytes as number }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('options.maxBytes');
    expect((error as InputError).message).toMatch(/options\.maxBytes must be a whole number of bytes ≥ 1/);
  });

  it('a body over a good maxBytes is still refused 413, and a good one accepted', async () => {
    const small = await handleDelivery(deliveryRequest(), { secrets: [secret], maxBytes: 100 });
    expect(!small.ok && small.error.status).toBe(413);
    const ok = await handleDelivery(deliveryRequest(), { secrets: [secret], maxBytes: 1_000_000 });
    expect(ok.ok).toBe(true);
  });
});

describe('a body that stops half-way (over real HTTP)', () => {
  let server: Server;
  let port: number;
  let options: DeliveryOptions = { secrets: [secret] };
  const outcomes: (DeliveryResult | { rejected: unknown })[] = [];
  let nextOutcome: (() => void) | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      // As an Express 4 route would: nobody catches a rejection here.
      handleNodeDelivery(req, options).then(
        (result) => {
          outcomes.push(result);
          nextOutcome?.();
          if (!res.destroyed) res.writeHead(result.ok ? 200 : result.error.status).end();
        },
        (error: unknown) => {
          outcomes.push({ rejected: error });
          nextOutcome?.();
          res.destroy();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function sendHalfAndClose(): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      nextOutcome = resolve;
    });
    const half = encoded.body.subarray(0, Math.floor(encoded.body.byteLength / 2));
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: hooks.example.com\r\nContent-Type: ${encoded.contentType}\r\nContent-Length: ${encoded.body.byteLength}\r\n\r\n`,
      );
      // The rest never comes: the sender gives up (a shop's delivery timeout, a dropped connection).
      socket.write(half, () => socket.destroy());
    });
    socket.on('error', () => {});
    return settled;
  }

  it('handleNodeDelivery answers body_unreadable (400) instead of rejecting', async () => {
    outcomes.length = 0;
    await sendHalfAndClose();
    const outcome = outcomes[0];
    expect(outcome && 'rejected' in outcome ? String(outcome.rejected) : 'answered').toBe('answered');
    const result = outcome as DeliveryResult;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('body_unreadable');
    expect(result.error.status).toBe(400);
    expect(result.error.message).toMatch(/could not be read to its end.*nothing was decoded/);
  });

  it('handleDelivery answers body_unreadable when the stream fails', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(encoded.body.subarray(0, 100)));
        controller.error(new Error('aborted'));
      },
    });
    const request = new Request(`https://hooks.example.com${path}`, {
      method: 'POST',
      headers: { 'content-type': encoded.contentType },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const result = await handleDelivery(request, options);
    expect(!result.ok && result.error.code).toBe('body_unreadable');
    expect(!result.ok && result.error.message).toMatch(/\(aborted\)/);
    options = { secrets: [secret] };
  });
});

describe('a Fetch-API Request whose body the app already read', () => {
  it.each([
    ['read with text()', async (request: Request) => void (await request.text())],
    ['locked by a reader', async (request: Request) => void request.body?.getReader()],
  ])('%s: body_already_consumed (500) saying what to do, not body_unreadable', async (_n, consume) => {
    const request = deliveryRequest();
    await consume(request);
    const result = await handleDelivery(request, { secrets: [secret] });
    expect(!result.ok && result.error.code).toBe('body_already_consumed');
    expect(!result.ok && result.error.status).toBe(500);
    expect(!result.ok && result.error.message).toMatch(
      /before anything reads its body, or pass request\.clone\(\)/,
    );
  });
});
