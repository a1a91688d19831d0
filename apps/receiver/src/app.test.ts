/**
 * buildReceiver's lifecycle: start-up failures are clear, and closing (what main.ts does on
 * SIGTERM/SIGINT) stops accepting, still answers the delivery in flight after storing it,
 * then closes the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryToken } from '@srhooks/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReceiver } from './app.js';
import { defineReceiverConfig } from './config/load-config.js';
import { createStore } from './store/create-store.js';
import { StoreUnavailableError } from './store/store.js';
import { deliveryRequest } from './test-support/delivery-fixtures.js';

const SECRET = 'lifecycle-secret-0123456789';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-lifecycle-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function silentConfig(overrides: Record<string, unknown> = {}) {
  return defineReceiverConfig({
    secrets: [SECRET],
    db: join(dir, 'data', 'srhooks.db'),
    logLevel: 'silent',
    // Roomy: these tests are about the lifecycle, not the store timeout (a 503 seen under load).
    storeTimeoutMs: 20_000,
    ...overrides,
  });
}

/** Collects what the server sends; `closed` resolves when it closes the connection. */
function readFrom(socket: ReturnType<typeof connect>): { text: () => string; closed: Promise<void> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { text: () => Buffer.concat(chunks).toString('utf8'), closed };
}

describe('buildReceiver lifecycle', () => {
  it('creates the SQLite file and its directory, and migrates', async () => {
    const app = await buildReceiver(silentConfig());
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toEqual({ ok: true, store: 'sqlite' });
    } finally {
      await app.close();
    }
  });

  it('fails to start with the store error when PostgreSQL is unreachable', async () => {
    const config = silentConfig({ databaseUrl: 'postgres://postgres@127.0.0.1:9/test' });
    await expect(buildReceiver(config)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('on close, answers the delivery in flight after storing it, refuses new connections, closes the store', async () => {
    const config = silentConfig();
    const app = await buildReceiver(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const request = deliveryRequest(
      'order_confirm',
      deliveryToken({ shop: 'demo', event: 'order_confirm' }, SECRET),
    );
    const headEnd = request.indexOf('\r\n\r\n') + 4;
    const socket = connect({ port, host: '127.0.0.1' });
    const response = readFrom(socket);
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write(request.subarray(0, headEnd));
    // Wait for "100 Continue": the request is now in flight.
    for (let i = 0; i < 100 && !response.text().startsWith('HTTP/1.1 100'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(response.text()).toMatch(/^HTTP\/1\.1 100 Continue/);

    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // New connections are refused while the in-flight request is still open.
    const refused = await new Promise<string>((resolve) => {
      const probe = connect({ port, host: '127.0.0.1' });
      probe.on('connect', () => {
        probe.destroy();
        resolve('connected');
      });
      probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    socket.write(request.subarray(headEnd));
    await response.closed;
    await closing;
    const final = response.text().split('\r\n\r\n').slice(1).join('\r\n\r\n');
    expect(final, response.text()).toMatch(/^HTTP\/1\.1 200 OK/);
    const answer = JSON.parse(final.slice(final.indexOf('\r\n\r\n') + 4)) as {
      deliveryId: string;
      events: number;
    };
    expect(answer.events).toBe(1);

    // The app's store is closed; the delivery is durable in the file.
    await expect(app.store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    const reopened = createStore({ kind: 'sqlite', file: config.db });
    try {
      const stored = await reopened.getDelivery(answer.deliveryId);
      expect(stored?.status).toBe('stored');
      expect(stored?.events.map((event) => event.dedupeKey)).toEqual(['order:190']);
    } finally {
      await reopened.close();
    }
  });

  it('while closing, answers a request that is not a delivery 503 with the uniform error body', async () => {
    let releaseClose: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      releaseClose = resolve;
    });
    // a plugin whose preClose waits, as retention finishing its run does
    const app = await buildReceiver(silentConfig(), {
      routes: [
        {
          name: 'slow-close',
          plugin: async (instance) => {
            instance.addHook('preClose', async () => held);
          },
        },
      ],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // a connection the receiver has open, the request's first bytes on it, when closing begins
    const accepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
    const socket = connect({ port, host: '127.0.0.1' });
    const response = readFrom(socket);
    const serverSide = await accepted;
    const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\n';
    socket.write(head);
    for (let i = 0; i < 200 && serverSide.bytesRead < head.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\r\n');
    await response.closed;
    const [responseHead = '', body = ''] = response.text().split('\r\n\r\n');
    expect(responseHead).toMatch(/^HTTP\/1\.1 503 /);
    expect(responseHead.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      ok: false,
      error: { code: 'shutting_down', message: expect.stringMatching(/shutting down/) },
    });
    releaseClose();
    await closing;
  });
});
