import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { MIN_SECRET_LENGTH, signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ShopRenterError } from '../errors.js';
import { handleDelivery } from './handle-delivery.js';
import { handleNodeDelivery } from './handle-node-delivery.js';
import type { DeliveryOptions } from './verify-delivery.js';

// A missing or too-short receiver secret must be a loud configuration error, not a 404 for
// every genuine delivery (`{secrets: [process.env.X!]}` with X unset is the usual way to get it).

const good = 'receiver-secret-for-config-tests-1';
const rawCapture = readFileSync(
  new URL(
    '../../../../packages/contracts/fixtures/shoprenter/deliveries/order_confirm.multipart.http',
    import.meta.url,
  ),
  'latin1',
);

const unusable: [string, unknown, 'missing_secret' | 'weak_secret', RegExp][] = [
  ['[undefined] (an unset env var)', [undefined], 'missing_secret', /secrets\[0\].*environment variable/],
  ['[]', [], 'missing_secret', /at least one/],
  ['undefined', undefined, 'missing_secret', /at least one/],
  ['""', '', 'missing_secret', /secrets\[0\]/],
  ["['short']", ['short'], 'weak_secret', /secrets\[0\].*5 characters.*at least 16/],
  ['[good, undefined] (old secret unset)', [good, undefined], 'missing_secret', /secrets\[1\]/],
];

let server: Server;
let port: number;
let options: DeliveryOptions = { secrets: good };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    try {
      const result = await handleNodeDelivery(req, options);
      const text = result.ok ? 'ok' : result.error.code;
      res.writeHead(result.ok ? 200 : result.error.status, {
        connection: 'close',
        'content-length': text.length,
      });
      res.end(text);
    } catch (error) {
      req.resume();
      const text =
        error instanceof ShopRenterError ? `${error.name} ${error.code}: ${error.message}` : String(error);
      res.writeHead(500, { connection: 'close', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sendCapture(path: string): Promise<{ status: number; body: string }> {
  const raw = rawCapture.replace('/hooks/demo/order_confirm/REPLACE_WITH_TOKEN', path);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(raw, 'latin1')));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('end', () => {
      const final = answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(final)?.[1]),
        body: final.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
      });
    });
    socket.on('error', reject);
  });
}

describe('receiver secrets that cannot verify anything are a configuration error', () => {
  it('the minimum is the contracts one, the same the receiver config and buildDeliveryUrl use', () => {
    expect(MIN_SECRET_LENGTH).toBe(16);
  });

  it.each(unusable)(
    'handleNodeDelivery with secrets %s throws InputError (over real HTTP)',
    async (_n, secrets, code, message) => {
      options = { secrets: secrets as DeliveryOptions['secrets'] };
      // A genuine delivery, signed with a good secret: it must not be answered 404 silently.
      const { status, body } = await sendCapture(
        signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, good),
      );
      expect(status).toBe(500);
      expect(body).toContain(`InputError ${code}`);
      expect(body).toMatch(message);
      expect(body).not.toContain(good);
    },
  );

  it.each(unusable)(
    'handleDelivery with secrets %s rejects with InputError',
    async (_n, secrets, code, message) => {
      const request = new Request(
        `https://hooks.example.com${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, good)}`,
        { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
      );
      const error = await handleDelivery(request, { secrets: secrets as DeliveryOptions['secrets'] }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe(code);
      expect((error as InputError).field).toMatch(/^secrets/);
      expect((error as InputError).message).toMatch(message);
    },
  );

  it('good secrets still verify, and an unknown URL is still a 404', async () => {
    options = { secrets: [good] };
    expect((await sendCapture(signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, good))).status).toBe(
      200,
    );
    const other = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, 'another-secret-0123456789');
    expect(await sendCapture(other)).toEqual({ status: 404, body: 'unknown_delivery_url' });
  });
});
