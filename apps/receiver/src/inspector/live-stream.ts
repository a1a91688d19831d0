/**
 * The inspector's live stream (Server-Sent Events): every client gets the store's change feed as
 * `event: change` messages carrying ids and statuses only (no personal data; the page fetches what it
 * shows through authenticated fragment requests), a comment line as heartbeat so proxies keep the
 * connection open, and a clean end when the receiver shuts down.
 *
 * The feed reports this process's commits and, with PostgreSQL, the other instances' on the same
 * database and schema (relayed by the store, best effort: see PgChangeRelay).
 */
import type { ServerResponse } from 'node:http';
import type { Store, StoreChange } from '../store/store.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Tells EventSource how long to wait before reconnecting. */
const RETRY_MS = 3000;

interface Client {
  response: ServerResponse;
  heartbeat: NodeJS.Timeout;
}

export interface LiveStreamOptions {
  store: Store;
  heartbeatMs?: number;
}

export class LiveStream {
  readonly #clients = new Set<Client>();
  readonly #heartbeatMs: number;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(options: LiveStreamOptions) {
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#unsubscribe = options.store.onChange((change) => this.#broadcast(change));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Takes over a response: writes SSE headers (plus `headers`) and keeps it until the client leaves or close(). */
  attach(response: ServerResponse, headers: Record<string, string>): void {
    if (this.#closed) {
      response.writeHead(503, {
        ...headers,
        'content-type': 'text/plain; charset=utf-8',
        'retry-after': '5',
      });
      response.end('The receiver is shutting down.\n');
      return;
    }
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    const client: Client = {
      response,
      heartbeat: setInterval(() => this.#write(client, ': heartbeat\n\n'), this.#heartbeatMs),
    };
    this.#clients.add(client);
    response.on('close', () => this.#drop(client));
  }

  /** Ends every stream (server shutdown) and stops listening to the store. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const client of [...this.#clients]) {
      this.#drop(client);
      client.response.end();
    }
  }

  #broadcast(change: StoreChange): void {
    const message = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of this.#clients) this.#write(client, message);
  }

  #write(client: Client, text: string): void {
    if (client.response.writableEnded || client.response.destroyed) {
      this.#drop(client);
      return;
    }
    client.response.write(text);
  }

  #drop(client: Client): void {
    clearInterval(client.heartbeat);
    this.#clients.delete(client);
  }
}
