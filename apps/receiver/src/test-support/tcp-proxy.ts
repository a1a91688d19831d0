/**
 * A TCP proxy in front of PostgreSQL that a test can break and repair, to see the receiver
 * with its store unreachable (`stop`: connection refused), hanging (`stall`: connections
 * accepted, nothing forwarded either way), and back (`start` again on the same port).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #targetPort: number;
  #server: Server | null = null;
  #port = 0;
  #stalled = false;
  readonly #sockets = new Set<Socket>();

  constructor(targetPort: number) {
    this.#targetPort = targetPort;
  }

  get port(): number {
    return this.#port;
  }

  /** Listens (on the previous port after a stop) and forwards every connection. */
  async start(): Promise<number> {
    this.#stalled = false;
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
    return this.#port;
  }

  /** Keeps accepting connections but stops moving bytes on new and existing ones. */
  stall(): void {
    this.#stalled = true;
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /** Refuses new connections and cuts the existing ones. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.#stalled) {
      client.pause();
      return;
    }
    const upstream = connect({ port: this.#targetPort, host: '127.0.0.1' });
    this.#sockets.add(upstream);
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
