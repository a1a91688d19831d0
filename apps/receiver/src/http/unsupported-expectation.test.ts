/**
 * A request with an `Expect` header other than `100-continue` is refused by Node before fastify sees
 * it (417). It gets the receiver's uniform error body like every other refusal: found in the security
 * pass, where `Expect: bogus` was answered 417 with an empty chunked body instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../test-support/raw-http.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

describe('an unsupported Expect header', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it.each([
    ['a signed delivery URL', () => receiver.path('demo', 'order_confirm')],
    ['the health check', () => '/healthz'],
  ])('answers 417 with the uniform error body on %s, storing nothing', async (_name, path) => {
    const raw = await sendRaw(
      receiver.port,
      Buffer.from(
        `POST ${path()} HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nContent-Type: application/json\r\n` +
          'Content-Length: 2\r\nConnection: close\r\n\r\n{}',
      ),
    );
    expect(raw.statusCode).toBe(417);
    expect(JSON.parse(raw.body)).toEqual({
      ok: false,
      error: { code: 'expectation_failed', message: expect.stringMatching(/Expect/) },
    });
    const deliveries = await receiver.app.store.listDeliveries({ limit: 10 });
    expect(deliveries.items).toEqual([]);
  });
});
