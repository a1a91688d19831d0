/**
 * networkFailure tells a request that got no answer (refused, reset, unresolvable, timed out) from
 * anything else, through the cause chain fetch (and the client's errors) wrap it in. Real requests
 * against 127.0.0.1; the timeout one against a server that accepts and never answers.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { failureReason, networkFailure, systemCode } from './network-failure.js';

async function failureOf(url: string, init: RequestInit = {}): Promise<unknown> {
  try {
    await fetch(url, init);
  } catch (error) {
    // as the client wraps it: its own error with the fetch error as cause
    return new Error('could not reach the token endpoint', { cause: error });
  }
  throw new Error(`${url} answered`);
}

describe('networkFailure', () => {
  it('a closed port: connection refused (ECONNREFUSED)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await failureOf(`http://127.0.0.1:${port}/token`);
    expect(networkFailure(error)).toEqual({
      code: 'ECONNREFUSED',
      reason: 'connection refused: nothing listens at that address and port (ECONNREFUSED)',
    });
    expect(systemCode(error)).toBe('ECONNREFUSED');
  });

  it('a request aborted by its time limit: timeout', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => void sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await failureOf(`http://127.0.0.1:${port}/token`, { signal: AbortSignal.timeout(100) });
      expect(networkFailure(error)).toEqual({
        code: 'timeout',
        reason: 'no answer in time (the request timed out)',
      });
      expect(systemCode(error)).toBeUndefined();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('anything else is not a network failure', () => {
    expect(networkFailure(new Error('the token endpoint answered 404'))).toBeUndefined();
    expect(networkFailure(new TypeError('bad port'))).toBeUndefined();
    expect(networkFailure('text')).toBeUndefined();
  });
});

describe('failureReason', () => {
  it('https:// to a server that speaks plain http: says so, with the code, on one line', async () => {
    const server = createServer((socket: Socket) => {
      socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await failureOf(`https://127.0.0.1:${port}/`);
      expect(networkFailure(error)).toBeUndefined();
      expect(failureReason(error)).toMatch(
        /^the server there does not speak https \(TLS\): is it a plain http:\/\/ URL\? \((ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)\)$/,
      );
    } finally {
      server.close();
    }
  });

  it('a network failure in words; anything else its own message, first line only', async () => {
    const { port } = await new Promise<AddressInfo>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address() as AddressInfo;
        probe.close(() => resolve(address));
      });
    });
    expect(failureReason(await failureOf(`http://127.0.0.1:${port}/`))).toBe(
      'connection refused: nothing listens at that address and port (ECONNREFUSED)',
    );
    expect(failureReason(new Error('self-signed certificate\nmore'))).toBe('self-signed certificate');
    expect(failureReason(await failureOf('http://127.0.0.1:1/'))).toBe(
      'fetch does not request this port (bad port)',
    );
  });
});
