/**
 * `srhooks events tail` reads the receiver's time first (its admin API) and opens the live stream after:
 * a delivery stored in between is not on the stream, so the first open catches up on it, as a reconnect
 * does. The test's own HTTP proxy in front of the receiver holds the stream's request until a delivery
 * has been stored after tail's first read.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LIVE_STREAM_PATH } from '../../live/follow-receiver.js';
import { sendDelivery, startCli, tempConfigDir } from '../../test-support/run-cli.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'events-tail-first-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-first-admin-token-0123456789';

/** Forwards every request to the receiver; the live stream's only once `release()` was called. */
interface HoldingProxy {
  url: string;
  /** Resolves when a live stream request is being held. */
  streamHeld: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

async function startHoldingProxy(to: URL): Promise<HoldingProxy> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held!: () => void;
  const streamHeld = new Promise<void>((resolve) => {
    held = resolve;
  });
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const upstream = httpRequest(
      {
        host: to.hostname,
        port: to.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  };
  const server = createServer((incoming, outgoing) => {
    if (incoming.url?.startsWith(LIVE_STREAM_PATH)) {
      held();
      void released.then(() => forward(incoming, outgoing));
      return;
    }
    forward(incoming, outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streamHeld,
    release,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let receiver: TestReceiver;
let proxy: HoldingProxy;

beforeAll(async () => {
  receiver = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: [] }],
  });
  proxy = await startHoldingProxy(new URL(receiver.url));
});
afterAll(async () => {
  await proxy.close();
  await receiver.receiver.close();
  config.cleanup();
});

describe('srhooks events tail, first open', () => {
  it('prints a delivery stored after it read the receiver and before its live stream opened', async () => {
    const run = startCli(config.dir, ['events', 'tail', '--json', '--receiver', proxy.url], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    await proxy.streamHeld;
    // sendDelivery throws with the trigger's stderr unless it exits 0
    const { deliveryId } = await sendDelivery(
      config.dir,
      receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
      'tail-first-1',
    );
    proxy.release();
    await run.waitForErrorLine(/^following the receiver at /);
    await vi.waitFor(() => expect(run.stdout()).toContain(deliveryId), { timeout: 30_000, interval: 50 });
    expect(await run.interrupt()).toBe(0);
    const lines = run
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { type: string; deliveryId?: string });
    expect(lines).toEqual([expect.objectContaining({ type: 'delivery', deliveryId })]);
    expect(run.stderr()).toMatch(/^stopped \(SIGINT\): 1 delivery shown$/m);
  });
});
