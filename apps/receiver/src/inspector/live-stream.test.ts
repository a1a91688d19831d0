import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { LiveStream, type LiveStreamOptions, type StreamSession } from './live-stream.js';

describe('LiveStream', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(
    heartbeatMs: number,
    options: Omit<LiveStreamOptions, 'store' | 'heartbeatMs'> & {
      sessionFor?: (url: string) => StreamSession | null;
    } = {},
  ): Promise<{ store: SqliteStore; live: LiveStream; url: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-live-'));
    const store = new SqliteStore({ file: join(dir, 'live.db') });
    const { sessionFor, ...rest } = options;
    const live = new LiveStream({ store, heartbeatMs, ...rest });
    const server: Server = createServer((request, response) =>
      live.attach(response, { 'x-test': 'yes' }, sessionFor?.(request.url ?? '') ?? null),
    );
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
    // Shutdown is not the end of the session: the page reconnects to the receiver that comes back.
    expect(client.text()).not.toContain('session-ended');
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

  it("ends a session's streams when the session expires", async () => {
    // The short session ends 1 s after its stream is opened (timed from then, so a slow start on a
    // loaded machine does not end it before the other stream is open); the other one lasts 12 hours.
    let short: StreamSession | null = null;
    const long: StreamSession = { id: 'long', expiresAt: new Date(Date.now() + 12 * 3600_000) };
    const { live, url } = await setup(1000, {
      sessionFor: (path) => {
        if (!path.includes('short')) return long;
        short ??= { id: 'short', expiresAt: new Date(Date.now() + 1000) };
        return short;
      },
    });
    const staying = await connect(`${url}long`);
    await until(() => live.clientCount === 1);
    const expiring = await connect(`${url}short`);
    await until(() => live.clientCount === 2);
    await expiring.ended;
    expect(expiring.text().endsWith('event: session-ended\ndata: {"reason":"expired"}\n\n')).toBe(true);
    expect(live.clientCount).toBe(1);
    expect(staying.response.complete).toBe(false);
    expect(staying.text()).not.toContain('session-ended');
  });

  it("ends a session's streams when it is revoked elsewhere (checked every sessionCheckMs)", async () => {
    const revoked = new Set<string>();
    const session = (id: string): StreamSession => ({ id, expiresAt: new Date(Date.now() + 3600_000) });
    const { live, url } = await setup(1000, {
      sessionCheckMs: 50,
      isRevoked: async (checked) => revoked.has(checked.id),
      sessionFor: (path) => session(path.slice(1)),
    });
    const gone = await connect(`${url}a`);
    const kept = await connect(`${url}b`);
    await until(() => live.clientCount === 2);
    revoked.add('a');
    await gone.ended;
    expect(gone.text().endsWith('event: session-ended\ndata: {"reason":"logged_out"}\n\n')).toBe(true);
    expect(live.clientCount).toBe(1);
    expect(kept.response.complete).toBe(false);
    expect(kept.text()).not.toContain('session-ended');
  });

  it("ends a session's streams at once on endSession (logout on this instance)", async () => {
    const { live, url } = await setup(1000, {
      sessionFor: (path) => ({ id: path.slice(1), expiresAt: new Date(Date.now() + 3600_000) }),
    });
    const first = await connect(`${url}a`);
    const second = await connect(`${url}a`);
    const other = await connect(`${url}b`);
    await until(() => live.clientCount === 3);
    expect(live.endSession('a')).toBe(2);
    await first.ended;
    await second.ended;
    for (const ended of [first, second]) {
      expect(ended.text().endsWith('event: session-ended\ndata: {"reason":"logged_out"}\n\n')).toBe(true);
    }
    expect(live.clientCount).toBe(1);
    expect(other.response.complete).toBe(false);
  });
});
