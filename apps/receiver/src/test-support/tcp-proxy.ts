/**
 * A fault-injecting TCP proxy in front of PostgreSQL (or any TCP service) that a test owns and can
 * break and repair, so no test ever stops the machine's shared services:
 * - `stop`: refuse new connections and cut the open ones (server down, network cut);
 * - `stall`: black-hole — connections accepted, nothing forwarded either way; `resume` ends it for new
 *   connections (a broker host that went silent and came back);
 * - `cut`: cut every open connection but keep accepting new ones (a backend terminated);
 * - `freeze`: hang every open connection for good — no bytes either way, nothing closed, not even when
 *   one side closes — while new connections pass normally (a NAT/firewall dropped the flow silently);
 * - `delay(ms)`: hold each chunk for `ms` before forwarding it (a slow network); `delay(ms, 'replies')`
 *   holds only what the service sends back, so a request reaches it at once and its answer trails;
 * - `start` again on the same port: forwarding resumes.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #targetPort: number;
  #server: Server | null = null;
  #port = 0;
  #stalled = false;
  #delayMs = 0;
  #delayRepliesOnly = false;
  readonly #sockets = new Set<Socket>();
  /** Sockets hung by `freeze()` (both sides of each connection open at the time). */
  readonly #frozen = new WeakSet<Socket>();
  /** Client sockets accepted while stalled: never connected to the service. */
  readonly #unforwarded = new WeakSet<Socket>();
  #accepted = 0;

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
    for (const socket of this.#sockets) socket.pause();
  }

  /**
   * Ends `stall()`: connections accepted from now on are forwarded again. Connections open now stay
   * hung for good (what was sent while stalled is lost), except those accepted while stalled, which
   * never reached the service: they are cut.
   */
  resume(): void {
    this.#stalled = false;
    for (const socket of this.#sockets) {
      if (this.#unforwarded.has(socket)) {
        socket.destroy();
        this.#sockets.delete(socket);
      }
    }
  }

  /** How many connections the proxy has accepted since it was created (forwarded or not). */
  get connectionsAccepted(): number {
    return this.#accepted;
  }

  /**
   * Hangs every open connection for good: nothing is forwarded either way and neither side learns of
   * the other closing; connections accepted afterwards are forwarded normally. `stop()` ends them.
   */
  freeze(): void {
    for (const socket of this.#sockets) {
      this.#frozen.add(socket);
      socket.pause();
    }
  }

  /** How many connections (client or upstream side) are hung by `freeze()` and still open. */
  get frozenSockets(): number {
    return [...this.#sockets].filter((socket) => this.#frozen.has(socket)).length;
  }

  /** Cuts every open connection (both sides) and keeps accepting new ones. */
  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  /**
   * Holds every chunk for `ms` before forwarding it, on new and existing connections (0 = off);
   * with `'replies'`, only the chunks the service sends back are held.
   */
  delay(ms: number, direction: 'both' | 'replies' = 'both'): void {
    this.#delayMs = ms;
    this.#delayRepliesOnly = direction === 'replies';
  }

  /** How many connections (client or upstream side) are open now. */
  get openSockets(): number {
    return this.#sockets.size;
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
    this.#accepted++;
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.#stalled) {
      this.#unforwarded.add(client);
      client.pause();
      return;
    }
    const upstream = connect({ port: this.#targetPort, host: '127.0.0.1' });
    this.#sockets.add(upstream);
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      if (!this.#frozen.has(client)) client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => {
      if (!this.#frozen.has(upstream)) upstream.destroy();
    });
    this.#forward(client, upstream, false);
    this.#forward(upstream, client, true);
  }

  /** Pipes `from` into `to`, through the configured delay when there is one (order is kept). */
  #forward(from: Socket, to: Socket, isReply: boolean): void {
    let queue = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (this.#stalled || this.#frozen.has(from)) return;
      const delayMs = isReply || !this.#delayRepliesOnly ? this.#delayMs : 0;
      if (delayMs === 0) {
        if (!to.destroyed && !this.#frozen.has(to)) to.write(chunk);
        return;
      }
      queue = queue.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!to.destroyed && !this.#stalled && !this.#frozen.has(to)) to.write(chunk);
              resolve();
            }, delayMs),
          ),
      );
    });
  }
}
