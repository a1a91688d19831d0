import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.js';

/** An echo server: whatever a connection sends comes back; it notes when the last chunk arrived. */
let echo: Server;
let echoPort = 0;
let echoArrivedAt = 0;

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('data', () => {
      echoArrivedAt = Date.now();
    });
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `text` and resolves with the echo and how long it took, or 'closed' / 'timeout'. */
function roundTrip(socket: Socket, text: string, timeoutMs = 1000): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setTimeout(() => resolve({ reply: 'timeout', ms: Date.now() - started }), timeoutMs);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      resolve({ reply: chunk.toString(), ms: Date.now() - started });
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ reply: 'closed', ms: Date.now() - started });
    });
    socket.write(text);
  });
}

describe('TcpProxy', () => {
  it('forwards, delays, black-holes, cuts and refuses on demand', async () => {
    const proxy = new TcpProxy(echoPort);
    const port = await proxy.start();
    try {
      const first = await open(port);
      expect((await roundTrip(first, 'hello')).reply).toBe('hello');

      proxy.delay(150);
      const slow = await roundTrip(first, 'slow');
      expect(slow.reply).toBe('slow');
      expect(slow.ms).toBeGreaterThanOrEqual(250); // held on the way there and on the way back
      proxy.delay(0);

      // Only the answer is held: the request is at the service long before its answer is back.
      proxy.delay(400, 'replies');
      const sentAt = Date.now();
      const trailing = await roundTrip(first, 'trailing');
      expect(trailing.reply).toBe('trailing');
      expect(trailing.ms).toBeGreaterThanOrEqual(350);
      expect(sentAt + trailing.ms - echoArrivedAt).toBeGreaterThanOrEqual(350);
      proxy.delay(0);

      proxy.cut();
      expect((await roundTrip(first, 'gone')).reply).toBe('closed');
      const second = await open(port); // still accepting after a cut
      expect((await roundTrip(second, 'again')).reply).toBe('again');

      proxy.stall();
      const held = await open(port);
      expect((await roundTrip(held, 'nothing', 300)).reply).toBe('timeout');
      held.destroy();
      second.destroy();

      await proxy.stop();
      await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      expect(await proxy.start()).toBe(port); // back on the same port
      const third = await open(port);
      expect((await roundTrip(third, 'back')).reply).toBe('back');
      third.destroy();
    } finally {
      await proxy.stop();
    }
  });

  it('freeze: open connections hang for good (nothing either way, no close passed on); new ones pass', async () => {
    const proxy = new TcpProxy(echoPort);
    const port = await proxy.start();
    try {
      const hung = await open(port);
      expect((await roundTrip(hung, 'before')).reply).toBe('before');
      proxy.freeze();
      expect(proxy.frozenSockets).toBe(2);
      expect((await roundTrip(hung, 'nothing', 300)).reply).toBe('timeout');

      const fresh = await open(port);
      expect((await roundTrip(fresh, 'fresh')).reply).toBe('fresh');

      // the client giving up on the hung connection reaches neither side of it: both stay open
      hung.destroy();
      await new Promise((resolve) => hung.once('close', resolve));
      expect((await roundTrip(fresh, 'still')).reply).toBe('still');
      expect(proxy.frozenSockets).toBe(2);
      fresh.destroy();
    } finally {
      await proxy.stop();
    }
    expect(proxy.openSockets).toBe(0);
  });

  it('stall, then resume: new connections pass again, the ones open meanwhile stay hung or are cut', async () => {
    const proxy = new TcpProxy(echoPort);
    const port = await proxy.start();
    try {
      const before = await open(port);
      expect((await roundTrip(before, 'before')).reply).toBe('before');
      proxy.stall();
      const during = await open(port);
      expect((await roundTrip(during, 'nothing', 300)).reply).toBe('timeout');
      expect(proxy.connectionsAccepted).toBe(2);

      proxy.resume();
      // accepted while stalled, never forwarded: cut
      expect((await roundTrip(during, 'late', 300)).reply).toBe('closed');
      // forwarded before the stall: still hung
      expect((await roundTrip(before, 'still nothing', 300)).reply).toBe('timeout');
      const after = await open(port);
      expect((await roundTrip(after, 'after')).reply).toBe('after');
      expect(proxy.connectionsAccepted).toBe(3);
      before.destroy();
      after.destroy();
    } finally {
      await proxy.stop();
    }
  });
});
