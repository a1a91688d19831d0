/**
 * Raw HTTP/1.1 over one kept-alive connection, for tests of what the receiver does with requests on
 * connections it still has open while it closes (http/shutdown-keep-alive.test.ts, the Payment API's
 * app-mode/app-payments-shutdown.test.ts), and probes of whether its port still takes connections.
 */
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One kept-alive connection: raw bytes out, complete responses (Content-Length bodies) back in order. */
export class KeptAliveConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        resolve();
        for (const wake of this.#waiters.splice(0)) wake();
      }),
    );
    socket.on('error', () => {});
  }

  /**
   * Opens a connection to the receiver; `arrived(n)` resolves once the receiver has read n bytes from it
   * (its side of the socket), so a test knows its bytes are on the receiver's connection, not in flight.
   */
  static async open(receiver: {
    app: { server: Server };
    port: number;
  }): Promise<KeptAliveConnection & { arrived(bytes: number): Promise<void> }> {
    const accepted = new Promise<Socket>((resolve) => receiver.app.server.once('connection', resolve));
    const connection = await KeptAliveConnection.#connect(receiver.port);
    const serverSide = await accepted;
    return Object.assign(connection, {
      async arrived(bytes: number): Promise<void> {
        for (let i = 0; i < 400 && serverSide.bytesRead < bytes; i++)
          await new Promise((resolve) => setTimeout(resolve, 25));
        expect(serverSide.bytesRead).toBeGreaterThanOrEqual(bytes);
      },
    });
  }

  static #connect(port: number): Promise<KeptAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new KeptAliveConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** The next complete response; rejects when the connection closes without one. */
  async next(): Promise<Answer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = this.#take();
      if (answer) return answer;
      if (this.#socket.destroyed || Date.now() > deadline)
        throw new Error(
          `no response; received ${JSON.stringify(this.#buffer.toString('latin1').slice(0, 200))}`,
        );
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  #take(): Answer | null {
    const headEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headEnd === -1) return null;
    const [statusLine = '', ...lines] = this.#buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const end = headEnd + 4 + length;
    if (this.#buffer.length < end) return null;
    const body = this.#buffer.subarray(headEnd + 4, end).toString('utf8');
    this.#buffer = this.#buffer.subarray(end);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Whether a new connection to the port is accepted now. */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = connect({ port, host: '127.0.0.1' });
    probe.on('connect', () => {
      probe.destroy();
      resolve('connected');
    });
    probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** The port's answer to a new connection once it changed (within 2 s): ECONNREFUSED when closed. */
export async function refusedSoon(port: number): Promise<string> {
  let outcome = await connectOutcome(port);
  for (let i = 0; i < 40 && outcome !== 'ECONNREFUSED'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    outcome = await connectOutcome(port);
  }
  return outcome;
}
