import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { LiveStream } from './live-stream.js';

describe('LiveStream', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(heartbeatMs: number): Promise<{ store: SqliteStore; live: LiveStream; url: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-live-'));
    const store = new SqliteStore({ file: join(dir, 'live.db') });
    const live = new LiveStream({ store, heartbeatMs });
    const server: Server = createServer((_request, response) => live.attach(response, { 'x-test': 'yes' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      live.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { store, live, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  }

  function connect(
    url: string,
  ): Promise<{ response: IncomingMessage; text: () => string; ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      get(url, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        const ended = new Promise<void>((done) => response.on('end', done));
        resolve({ response, text: () => text, ended });
      }).on('error', reject);
    });
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(check()).toBe(true);
  }

  it('streams store changes and heartbeats, then ends every stream on close', async () => {
    const { store, live, url } = await setup(30);
    const client = await connect(url);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers['x-test']).toBe('yes');
    await until(() => live.clientCount === 1);
    await until(() => client.text().includes(': heartbeat\n\n'));

    const { deliveryId } = await store.quarantine(
      {
        shop: 'demo',
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'text/plain',
        rawBody: Buffer.from('x'),
      },
      { code: 'not_multipart', message: 'x' },
    );
    const expected = `event: change\ndata: ${JSON.stringify({ kind: 'delivery', deliveryId, shop: 'demo', event: 'order_confirm', status: 'quarantined' })}\n\n`;
    await until(() => client.text().includes(expected));
    expect(client.text().startsWith('retry: 3000\n')).toBe(true);

    live.close();
    await client.ended;
    expect(live.clientCount).toBe(0);
    const late = await connect(url);
    expect(late.response.statusCode).toBe(503);
  });

  it('forgets a client that went away', async () => {
    const { live, url } = await setup(1000);
    const client = await connect(url);
    await until(() => live.clientCount === 1);
    client.response.destroy();
    await until(() => live.clientCount === 0);
  });
});
