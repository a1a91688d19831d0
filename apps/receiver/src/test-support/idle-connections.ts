/**
 * Connections for tests of the connection cap (http/connection-limit.ts): idle ones held open, and what a
 * new connection gets when the cap is reached (closed at once, unanswered).
 */
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';

/** The connections `server` holds open now. */
export async function openConnections(server: Server): Promise<number> {
  return await new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Waits up to 5 s for `server` to hold `count` connections. */
export async function waitForConnections(server: Server, count: number): Promise<void> {
  for (let i = 0; i < 200 && (await openConnections(server)) !== count; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  expect(await openConnections(server)).toBe(count);
}

/**
 * Opens `count` connections to 127.0.0.1:`port` that send nothing, and returns once `server` holds them
 * all. The caller destroys them (`for (const socket of held) socket.destroy()`).
 */
export async function holdIdleConnections(server: Server, port: number, count: number): Promise<Socket[]> {
  const before = await openConnections(server);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    sockets.push(socket);
  }
  await waitForConnections(server, before + count);
  return sockets;
}

/**
 * What a new connection that asks `GET /healthz` gets within 2 s: `closed` (and the bytes answered before
 * the close: none when it was dropped), or still `open`.
 */
export function nextConnection(port: number): Promise<{ outcome: 'closed' | 'open'; answered: string }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'open', answered });
    }, 2000);
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: receiver.example\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answered += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ outcome: 'closed', answered });
    });
  });
}
